// The API's commands on a drive node: status, accounts, wallet and farming,
// and the dashboard's settings, log lines and recent files.
import type { Credentials } from '../account/index.ts'
import type { AccountStatus, Handlers, Settings, StatusResult } from '../api/index.ts'
import { recentFiles } from '../api/index.ts'
import type { Drive } from '../drive/index.ts'
import { DEFAULT_HISTORY_DAYS } from '../drive/versions.ts'
import { UsageError } from '../errors.ts'
import { DEFAULT_CACHE_LIMIT_BYTES, diskSpace, donationLimits } from '../settings/index.ts'
import { formatSize } from '../size.ts'
import type { StoredSettings } from '../settings/index.ts'
import type { NodeFeed } from './feed.ts'
import { appsHandlers } from '../apps/dashboard-handlers.ts'
import type { AppsHandledNode } from '../apps/dashboard-handlers.ts'
import { cacheHandlers } from './cache-handlers.ts'
import { historyHandlers } from './history-handlers.ts'
import { shareHandlers } from './share-handlers.ts'
import type { ShareHandledNode } from './share-handlers.ts'
import type { LoginRequest } from './options.ts'
import type { PeerDriveNode } from './vault-node.ts'

type AppHandlers = Pick<Handlers, 'settings-get' | 'settings-set' | 'logs' | 'files-recent'>

/** What the commands need of a drive node (DriveNode is one). */
export interface HandledNode extends AppsHandledNode, ShareHandledNode {
  readonly node: Pick<PeerDriveNode, 'farmer' | 'vault' | 'setCapacity' | 'bandwidth' | 'network' | 'records'>
  readonly feed: NodeFeed
  readonly drive: Drive | undefined
  readonly mountPoint: string | undefined
  status(): StatusResult
  accountStatus(): AccountStatus
  create(req: LoginRequest): Promise<AccountStatus>
  login(req: LoginRequest): Promise<AccountStatus>
  logout(force?: boolean): Promise<AccountStatus>
  changePassword(req: Credentials & { new_password: string }): Promise<AccountStatus>
  buyStorage(coins: number): Promise<{ bought: number }>
}

export async function currentSettings(node: HandledNode): Promise<Settings> {
  const v = node.node.vault.stats()
  const limits = donationLimits(await diskSpace(node.node.vault.dir), v.used)
  const stored = node.feed.settings.get()
  return {
    donated_bytes: v.capacity,
    used_bytes: v.used,
    max_donation_bytes: limits.max,
    min_donation_bytes: limits.min,
    disk_free_bytes: limits.diskFree,
    mount: stored.mount ?? node.status().mount ?? node.mountPoint ?? null,
    start_at_login: stored.start_at_login === true,
    history_days: stored.history_days ?? DEFAULT_HISTORY_DAYS,
    ...(node.drive ? { history: node.drive.versions.earlierContent() } : {}),
    farming_paused: node.node.farmer.paused,
    cache_limit_bytes: stored.cache_limit_bytes ?? DEFAULT_CACHE_LIMIT_BYTES,
    upload_bytes_per_s: node.node.bandwidth.up.bytesPerSecond,
    download_bytes_per_s: node.node.bandwidth.down.bytesPerSecond,
  }
}

/**
 * Sets the vault's donation within what the disk can honour: the one check
 * behind both set-donation and settings-set. Lowering it hands chunks off first.
 */
export async function changeDonation(
  n: HandledNode,
  bytes: number,
): Promise<{ excess: number; moved: number }> {
  const before = await currentSettings(n)
  if (bytes > before.max_donation_bytes)
    throw new UsageError(
      `at most ${formatSize(before.max_donation_bytes)} can be donated: the disk's free space minus a safety margin`,
    )
  if (bytes < before.min_donation_bytes)
    throw new UsageError(`the donation must be at least ${formatSize(before.min_donation_bytes)}`)
  const handoff = await n.node.setCapacity(bytes)
  n.feed.logs.push(
    `donation set to ${formatSize(bytes)}` +
      (handoff.moved > 0 ? `; handed ${handoff.moved} item(s) off to other vaults` : ''),
  )
  return handoff
}

export function appHandlers(node: () => HandledNode): AppHandlers {
  return {
    'settings-get': async () => currentSettings(node()),
    'settings-set': async (change) => {
      const n = node()
      let handoff: { excess: number; moved: number } | null = null
      if (change.donated_bytes !== undefined) handoff = await changeDonation(n, change.donated_bytes)
      const stored: StoredSettings = {}
      if (change.mount !== undefined) stored.mount = change.mount
      if (change.start_at_login !== undefined) stored.start_at_login = change.start_at_login
      if (change.history_days !== undefined) stored.history_days = change.history_days
      for (const key of ['cache_limit_bytes', 'upload_bytes_per_s', 'download_bytes_per_s'] as const)
        if (change[key] !== undefined) stored[key] = change[key]
      if (Object.keys(stored).length > 0) await n.feed.settings.update(stored)
      // limits apply at once: to transfers under way and to the cache as it stands
      n.node.bandwidth.set({ upload: stored.upload_bytes_per_s, download: stored.download_bytes_per_s })
      if (stored.cache_limit_bytes !== undefined) await n.drive?.onDemand.limitChanged()
      const settings = await currentSettings(n)
      n.feed.events.emit({ type: 'settings', settings })
      n.feed.checkStatus(n.status())
      return { settings, handoff }
    },
    logs: async ({ level, limit }) => ({ entries: node().feed.logs.recent({ level, limit }) }),
    'files-recent': async ({ limit }) => {
      const drive = node().drive
      if (!drive) return { files: [] }
      const status = drive.status()
      const progress = new Map(status.uploading.map((u) => [u.ino, u]))
      const of = status.degraded[0]?.of ?? 4
      const pending = drive.db.pending().map((r) => ({
        ino: r.ino,
        error: r.state === 'error' ? (r.error ?? 'upload failed') : null,
        degraded: r.state === 'degraded' ? { copies: r.copies ?? 0, of } : undefined,
        done: progress.get(r.ino)?.done,
        total: progress.get(r.ino)?.total,
      }))
      return { files: await recentFiles(drive, pending, limit) }
    },
  }
}

export function driveNodeHandlers(node: () => HandledNode): Handlers {
  return {
    status: async () => node().status(),
    'set-donation': async ({ bytes }) => {
      const n = node()
      const handoff = await changeDonation(n, bytes)
      n.feed.events.emit({ type: 'settings', settings: await currentSettings(n) })
      return handoff
    },
    'account-status': async () => node().accountStatus(),
    'account-create': async (args) => node().create(args),
    'account-login': async (args) => node().login(args),
    'account-logout': async ({ force }) => node().logout(force === true),
    'account-passwd': async (args) => node().changePassword(args),
    'wallet-balance': async () => node().node.farmer.balance(),
    'wallet-history': async () => node().node.farmer.history(),
    'wallet-send': async ({ coins, to }) => node().node.farmer.send(coins, to),
    'storage-buy': async ({ coins }) => node().buyStorage(coins),
    'farming-pause': async ({ paused }) => {
      const n = node()
      n.node.farmer.setPaused(paused)
      n.feed.events.emit({ type: 'settings', settings: await currentSettings(n) })
      return { paused: n.node.farmer.paused }
    },
    ...appHandlers(node),
    ...historyHandlers(node),
    ...appsHandlers(node),
    ...cacheHandlers(node),
    // after appsHandlers: its public-get also opens share links
    ...shareHandlers(node),
  }
}
