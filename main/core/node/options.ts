// What a node is started with: a vault node's options, and a drive node's on top.
import type { AccountsOptions, Credentials, OpenAccount, SecretSealer } from '../account/index.ts'
import type { DriveEvent } from '../drive/index.ts'
import type { FarmerOptions } from '../farming/index.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import type { LookupStats } from '../net/router.ts'

export interface NodeOptions {
  /** The vault directory; the node's identity key is kept beside its chunks. */
  vaultDir: string
  /** Donated bytes; omitted, the vault keeps what it had. */
  capacity?: number
  listen?: string[]
  bootstrap?: string[]
  mdns?: boolean
  /** Ask the router for a port (UPnP) when listening beyond loopback; default on. */
  upnp?: boolean
  /** How long a node on the internet waits for AutoNAT before it calls itself unreachable (a client only). */
  reachabilityDecideMs?: number
  replicas?: number
  /** How often every held chunk is checked against its close group. */
  auditIntervalMs?: number
  heartbeatMs?: number
  heartbeatTimeoutMs?: number
  /** How long a peer may take to send a request before its stream is reset. */
  requestTimeoutMs?: number
  /** Serve the raw-throughput sink used by `peerdrive bench net`. */
  benchmark?: boolean
  /** Farming: target, storage-proof interval (testnets shorten both). */
  farming?: Omit<FarmerOptions, 'dir' | 'replicas' | 'log'>
  log?: (line: string) => void
  /** Told when a neighbour is lost (its kept connection closed). */
  onPeerLost?: (peer: VaultPeer, at: number) => void
  /** How many neighbours (closest vaults) to keep connections to; default 2R. */
  neighbours?: number
  /** A link to a vault that is no neighbour may be closed after this long without a stream; default 15 s. */
  idleLinkMs?: number
  /** Idle links are closed only while the node holds more connections than this; default 32. */
  linkBudget?: number
  /** Told of every kad-dht lookup's hops and peers asked (measurements). */
  onLookup?: (stats: LookupStats) => void
  /** A lookup that takes longer answers with what it found so far; default 5 s. */
  lookupTimeoutMs?: number
  /**
   * Storage is paid for (docs/SECURITY.md, "Free storage"): this vault keeps
   * only chunks that carry a ticket from their account's balance group, and
   * this node's account pays for the chunks it puts. Every vault of a network
   * must agree; the `peerdrive` commands turn it on.
   */
  paidStorage?: boolean
  /**
   * The work every vault's identity carries (net/id-work.ts): this node makes
   * its own identity with it, and counts as vaults only peers whose ids carry
   * it. A network parameter that every node of a network must agree on: 0 (the
   * default) on one's own and test networks, DEFAULT_ID_WORK_BITS on a network
   * of strangers, where the `peerdrive` commands ask for it.
   */
  idWorkBits?: number
}

export interface DriveNodeOptions extends NodeOptions {
  /** Where the node keeps its local state: each account's drive, api.json, remembered keys. */
  home: string
  /** Where to mount the drive once an account is open; omitted, the drive runs without a mount. */
  mount?: string
  apiPort?: number
  journalLimitBytes?: number
  onDriveEvent?: (e: DriveEvent) => void
  /** Account key derivation cost and lookup floor (tests use cheap ones). */
  accounts?: AccountsOptions
  /** Seals "remember me" keys; the desktop app passes the OS keychain, headless uses file permissions. */
  sealer?: SecretSealer
  /** Told when an account opens (its keys) or closes (undefined): the wallet follows it. */
  onAccountChange?: (account: OpenAccount | undefined) => void
  /** The built dashboard to serve on the API's port (headless mode and browser tests). */
  dashboardDir?: string
}

/** Whatever opens an account: credentials now, or keys remembered on this device. */
export interface LoginRequest extends Credentials {
  remember?: boolean
}
