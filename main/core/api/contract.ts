// The one typed contract between the node and everything that drives it (CLI,
// tray, window): commands with their arguments and results.
import type { LogEntry, LogLevel } from './log-ring.ts'
import type { AppLogLine, AppSummary, PublicFetched } from '../apps/summary.ts'
import type { ReceivedSummary, ShareSummary } from '../share/summary.ts'
export interface StatusResult {
  mounted: boolean
  mount: string | null
  sync: {
    /** 'synced': R vaults other than this node hold every file; 'degraded': some file has fewer, and it keeps trying. */
    state: 'synced' | 'syncing' | 'degraded' | 'error' | 'offline' | 'no-drive'
    files_pending: number
    bytes_pending: number
    uploading: { name: string; done: number; total: number }[]
    errors: { name: string; error: string }[]
    /** Files whose least-replicated chunk or record has fewer than R copies on other vaults (absent from older nodes). */
    files_degraded?: number
    /** Those files: `copies` of the `of` (R) wanted. */
    degraded?: DegradedFile[]
    /** Copies of the drive's tree (directories and root record) on other vaults, when below R. */
    tree_copies?: number
  }
  vault: { dir: string; donated_bytes: number; used_bytes: number; chunks: number }
  peers: number
  network: {
    size: number
    repairs: number
    last_repair_at: number | null
    /** Whether the network can reach this node (docs/NETWORK.md, "Reachability"); absent from older nodes. */
    reachability?: 'local' | 'public' | 'private' | 'unknown'
    /** True while the node stores nothing for others and is in no close group. */
    client_only?: boolean
    /** Peer ids of the relays this node holds a reservation on. */
    relayed_via?: string[]
    /** The addresses this node announces. */
    addresses?: string[]
  }
  peer_id: string
  addresses: string[]
  /** The drive's disk cache: kept files and recently read chunks (absent without a drive, and from older nodes). */
  cache?: CacheUsage
  /** The open account's storage balance where storage is paid, once its balance group has answered. */
  storage?: StorageUsage
}

/** What an account has had paid for and may have paid for, as its balance group keeps it. */
export interface StorageUsage {
  used_bytes: number
  /** Earned by the vaults that back the account (the first hour's share is its starter allowance), and bought. */
  allowance_bytes: number
  /** Of the allowance, bytes bought with coin. */
  bought_bytes: number
  checked_at: number
}

/** What the drive's disk cache holds: chunks of kept files (never evicted) and of files read lately (up to the limit). */
export interface CacheUsage {
  kept_files: number
  /** Size of the kept files, and what their chunks take on disk. */
  kept_file_bytes: number
  kept_bytes: number
  kept_chunks: number
  /** Chunks of online-only files read lately. */
  cached_bytes: number
  cached_chunks: number
  limit_bytes: number
}

/** A file kept on fewer than R vaults besides this node: shown as "degraded (copies of of)". */
export interface DegradedFile {
  name: string
  copies: number
  of: number
}

export interface AccountStatus {
  logged_in: boolean
  /** Hex of the account's public key; null when no account is open. */
  account_id: string | null
  /** Whether this device keeps the account's keys across restarts ("remember me"). */
  remembered: boolean
}

export interface CredentialArgs {
  keyword: string
  pin: string
  password: string
}

export interface WalletBalance {
  /** Coins this wallet owns, each proven by a quorum of its coin group. */
  coins: number
  /** Winning attempts whose coins are still being claimed. */
  pending: number
  earned_today: number
  wallet_id: string
}

export interface WalletHistory {
  entries: { at: number; kind: 'minted' | 'sent' | 'received'; coin_id: string; peer?: string }[]
  /** Coins minted per UTC day (YYYY-MM-DD), oldest first. */
  per_day: { day: string; coins: number }[]
}

export interface Settings {
  donated_bytes: number
  /** Bytes the vault holds now; lowering the donation below this hands chunks off. */
  used_bytes: number
  /** The most that may be donated: the vault's holdings plus the disk's free space minus a safety margin. */
  max_donation_bytes: number
  min_donation_bytes: number
  disk_free_bytes: number
  /** Where the drive mounts (applies when the drive next opens). */
  mount: string | null
  start_at_login: boolean
  /** Days of version history kept (30 by default); older versions are let go at the next commit. */
  history_days: number
  /** Earlier contents the drive's history can restore, and their size: what history costs (absent without a drive). */
  history?: { versions: number; bytes: number }
  /** Paused, the vault stores, serves and proves, but makes no farming attempts. */
  farming_paused: boolean
  /** Bytes of recently read, not kept, file chunks the disk cache holds; least recently used go first. */
  cache_limit_bytes: number
  /** Upload and download limits in bytes per second; 0 is unlimited. */
  upload_bytes_per_s: number
  download_bytes_per_s: number
}

export interface SettingsChange {
  donated_bytes?: number
  mount?: string
  start_at_login?: boolean
  history_days?: number
  cache_limit_bytes?: number
  upload_bytes_per_s?: number
  download_bytes_per_s?: number
}

export interface RecentFile {
  path: string
  size: number
  modified_at: number
  sync: 'synced' | 'syncing' | 'degraded' | 'error'
  /** Bytes uploaded of the file's pending change, while syncing. */
  done?: number
  total?: number
  error?: string
  /** While degraded: copies on other vaults, of the R wanted. */
  copies?: number
  of?: number
}

/** One kept version of a file, as `peerdrive versions` and the History panel show it. */
export interface FileVersion {
  /** 1 is the oldest version kept; numbers follow in time. */
  number: number
  /** When this content reached the network (ms since the epoch). */
  at: number
  size: number
  /** The device that wrote it, when known. */
  device: string | null
  /** Whether it is the file's content now. */
  current: boolean
}

export interface FileVersions {
  /** The path in the drive ("/docs/a.txt"). */
  path: string
  /** False for a deleted file: its versions can still be restored. */
  exists: boolean
  /** Newest first. */
  versions: FileVersion[]
}

export type { LogEntry, LogLevel } from './log-ring.ts'

/** What the node pushes over the event socket (and IPC) as it happens. */
export type ApiEvent =
  | { type: 'status'; status: StatusResult }
  | { type: 'log'; entry: LogEntry }
  | { type: 'account'; account: AccountStatus }
  | { type: 'settings'; settings: Settings }
  | {
      type: 'notice'
      /**
       * `conflict`: one file was edited on two devices at once; both edits are kept (docs/DRIVE.md).
       * `app-request`: an app asks for access and waits for the user's answer (docs/APPS.md).
       */
      kind:
        | 'vault-full'
        | 'sync-error'
        | 'journal-full'
        | 'synced'
        | 'conflict'
        | 'app-request'
        | 'share-received'
      message: string
    }

export interface ApiCommands extends AppsCommands {
  status: { args: Record<string, never>; result: StatusResult }
  /** Changes the donation; lowering it hands chunks off first. */
  'set-donation': { args: { bytes: number }; result: { excess: number; moved: number } }
  'account-status': { args: Record<string, never>; result: AccountStatus }
  /** Creates an account at these credentials and opens its drive. */
  'account-create': { args: CredentialArgs & { remember?: boolean }; result: AccountStatus }
  'account-login': { args: CredentialArgs & { remember?: boolean }; result: AccountStatus }
  /** Refuses while the drive has unsynced data, unless forced. */
  'account-logout': { args: { force?: boolean }; result: AccountStatus }
  'account-passwd': { args: CredentialArgs & { new_password: string }; result: AccountStatus }
  'wallet-balance': { args: Record<string, never>; result: WalletBalance }
  'wallet-history': { args: Record<string, never>; result: WalletHistory }
  /** Moves coins to another wallet; each move is countersigned by its coin's group. */
  'wallet-send': { args: { coins: number; to: string }; result: { sent: number } }
  /** Spends coins on the open account's storage: each adds to its allowance (docs/SECURITY.md, "Paid storage"). */
  'storage-buy': { args: { coins: number }; result: { bought: number } }
  'farming-pause': { args: { paused: boolean }; result: { paused: boolean } }
  'settings-get': { args: Record<string, never>; result: Settings }
  /** Applies at once; a lower donation answers with the hand-off it caused. */
  'settings-set': {
    args: SettingsChange
    result: { settings: Settings; handoff: { excess: number; moved: number } | null }
  }
  logs: { args: { level?: LogLevel; limit?: number }; result: { entries: LogEntry[] } }
  'files-recent': { args: { limit?: number }; result: { files: RecentFile[] } }
  /** Kept versions of a file in the drive (a path from its root), also of one that was deleted. */
  'files-versions': { args: { path: string }; result: FileVersions }
  /** Makes a version the file's content again (a new version); without `version` or `at`, the newest earlier one. */
  'files-restore': {
    args: { path: string; version?: number; at?: number }
    result: { path: string; restored: FileVersion; versions: FileVersion[] }
  }
  /** Keeps a file or folder on this device; answers once its chunks are here (`missing` could not be fetched yet). */
  'files-keep': {
    args: { path: string }
    result: { path: string; files: number; bytes: number; missing: number }
  }
  /** Makes a file or folder online only and frees what its chunks took in the disk cache. */
  'files-free': { args: { path: string }; result: { path: string; freed_bytes: number } }
  /** Whether each path is kept on this device, and the disk cache's use. */
  'files-availability': {
    args: { paths?: string[] }
    result: { usage: CacheUsage; kept: { path: string; kept: boolean }[] }
  }
  /** Shares a file or folder of the drive read-only by a link (docs/DRIVE.md, "Sharing"). */
  /** With `with` (an account id), the link is sent, sealed, to that account's inbox, and shows in its "Shared with me/". */
  /** `write`: the folder is shared for writing with the account `with` (a drive of its own, mounted in both). */
  'share-create': {
    args: { path: string; expires_ms?: number; with?: string; write?: boolean }
    result: ShareSummary
  }
  'share-list': { args: Record<string, never>; result: { shares: ShareSummary[] } }
  /** Revokes the live shares a share id, link or drive path names. */
  'share-revoke': { args: { target: string }; result: { shares: ShareSummary[] } }
  /** Opens a share link into "Shared with me/" in the mount (read-only). */
  'shared-add': { args: { link: string }; result: ReceivedSummary }
  /** What this account opened, with each share's state now. */
  'shared-list': { args: Record<string, never>; result: { shared: ReceivedSummary[] } }
  /** Takes an opened share out of "Shared with me/", by its name there or its link. */
  'shared-remove': { args: { target: string }; result: ReceivedSummary }
}

export type { ReceivedSummary, ShareSummary } from '../share/summary.ts'

export type { AppLogLine, AppSummary, PublicFetched } from '../apps/summary.ts'

/** Apps' requests and grants (docs/APPS.md), answered with the dashboard's token only. */
export interface AppsCommands {
  'apps-list': { args: Record<string, never>; result: { apps: AppSummary[] } }
  /** Grants what the app asked for, with read access to the folders picked here (if it asked to read folders). */
  'apps-grant': { args: { id: string; read_folders?: string[] }; result: AppSummary }
  'apps-deny': { args: { id: string }; result: AppSummary }
  /** Takes the app's access away at once. */
  'apps-revoke': { args: { id: string }; result: AppSummary }
  'apps-log': { args: { id: string; limit?: number }; result: { entries: AppLogLine[] } }
  /** Public data by its pd1: address, or what a pds1: share link names now, from any node. */
  'public-get': { args: { address: string }; result: PublicFetched }
}

export type CommandName = keyof ApiCommands
export type Handlers = {
  [K in CommandName]: (args: ApiCommands[K]['args']) => Promise<ApiCommands[K]['result']>
}
