// The one place where a PeerDrive node is wired together, started and stopped:
// the vault, the libp2p host, the chunk, record and peer protocols, churn
// handling, repair and the periodic audit.
import { multiaddr } from '@multiformats/multiaddr'
import { rename, rm, writeFile } from 'node:fs/promises'
import { Accounts, accountId, fileOnlySealer, forget, recall, remember, wipeKeys } from './account/index.ts'
import type { AccountsOptions, Credentials, OpenAccount, SecretSealer } from './account/index.ts'
import { endpointFile, startApiServer } from './api/index.ts'
import { degradedSummary } from './api/index.ts'
import type { AccountStatus, ApiServer, Handlers, StatusResult } from './api/index.ts'
import { Drive } from './drive/index.ts'
import { PeerDriveError } from './errors.ts'
import { ensurePrivateDir } from './home.ts'
import type { DriveEvent, SyncStatus } from './drive/index.ts'
import { RecordRootStore } from './drive/record-root-store.ts'
import { checkMountable, mountDrive } from './fuse/index.ts'
import type { MountedDrive } from './fuse/index.ts'
import { OwnerKey } from './records/index.ts'
import type { PeerId } from '@libp2p/interface'
import { join } from 'node:path'
import type { Request, Response } from './net/messages.ts'
import { answerChunkRequest } from './net/chunk-service.ts'
import type { ChunkHolder } from './net/chunk-service.ts'
import { requestChunk, serveChunks } from './net/chunk-protocol.ts'
import { createHost } from './net/host.ts'
import type { Host } from './net/host.ts'
import { loadOrCreateKey } from './net/identity.ts'
import { NetworkChunkStore } from './net/network-store.ts'
import { fetchPeerList, servePeerList } from './net/peer-exchange.ts'
import { PeerScores } from './net/peer-scores.ts'
import { serveThroughputSink } from './net/throughput-protocol.ts'
import { PeerTable } from './net/peer-table.ts'
import type { VaultPeer } from './net/peer-table.ts'
import type { RecordRequest, RecordResponse } from './net/record-messages.ts'
import { requestRecord, serveRecords } from './net/record-protocol.ts'
import { answerRecordRequest } from './net/record-service.ts'
import { DEFAULT_REPLICAS, kadKey, xorDistance } from './placement/index.ts'
import type { SignedRecord } from './records/format.ts'
import { NetworkRecordStore } from './records/network-record-store.ts'
import { Repairer } from './replication/repairer.ts'
import { Farmer } from './farming/index.ts'
import type { FarmerOptions } from './farming/index.ts'
import { identitySigner } from './farming/signing.ts'
import { appHandlers, changeDonation, currentSettings } from './app-handlers.ts'
import { NodeFeed } from './node-feed.ts'
import { Vault } from './vault/index.ts'

export interface NodeOptions {
  /** The vault directory; the node's identity key is kept beside its chunks. */
  vaultDir: string
  /** Donated bytes; omitted, the vault keeps what it had. */
  capacity?: number
  listen?: string[]
  bootstrap?: string[]
  mdns?: boolean
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
  onPeerLost?: (peer: VaultPeer, at: number) => void
}

export interface NodeMetrics {
  peerId: string
  peers: number
  vaultPeers: number
  /** Vault peers known plus this node: the network's size as seen from here. */
  networkSize: number
  dhtPeers: number
  chunks: number
  bytes: number
  /** Signed records held. */
  records: number
  capacity: number
  repairs: number
  lastRepairAt: number | null
  degradedPuts: number
  degradedRecordPuts: number
}

export class PeerDriveNode {
  readonly host: Host
  readonly vault: Vault
  readonly peers: PeerTable
  readonly network: NetworkChunkStore
  /** Signed mutable records in the network (drive roots, session packets, coins). */
  readonly records: NetworkRecordStore
  readonly repairer: Repairer
  /** Storage proofs, receipts, coin claims and the wallet; set once the node is wired. */
  farmer!: Farmer
  /** Strikes against peers that sent malformed, oversized or no requests. */
  readonly scores = new PeerScores()
  /** This node's identity as a signing key (receipts, coin countersignatures). */
  readonly identity: OwnerKey
  /** The vault peers this node still trusts: the only ones it places data on and repairs to. */
  readonly trusted: { self: VaultPeer; withSelf(): VaultPeer[]; list(): VaultPeer[] }
  private readonly opts: NodeOptions
  private auditTimer: NodeJS.Timeout | undefined
  private exchangeTimer: NodeJS.Timeout | undefined
  private auditing: Promise<unknown> = Promise.resolve()
  private stopped = false

  private constructor(host: Host, vault: Vault, identity: OwnerKey, opts: NodeOptions) {
    this.host = host
    this.vault = vault
    this.identity = identity
    this.opts = opts
    this.peers = new PeerTable(host)
    const peers = this.peers
    const trusted = (p: VaultPeer) => this.farmer?.trust.isTrusted(p.key) ?? true
    this.trusted = {
      self: peers.self,
      withSelf: () => peers.withSelf().filter(trusted),
      list: () => peers.list().filter(trusted),
    }
    const ask = (peer: VaultPeer, req: Request): Promise<Response> => this.ask(peer, req)
    const replicas = opts.replicas ?? DEFAULT_REPLICAS
    this.network = new NetworkChunkStore(
      { peers: this.trusted, ask, onServed: (vault, address) => this.farmer?.sendReceipt(vault, address) },
      { replicas },
    )
    const askRecord = (peer: VaultPeer, req: RecordRequest): Promise<RecordResponse> =>
      this.askRecord(peer, req)
    this.records = new NetworkRecordStore({ peers: this.peers, ask: askRecord }, { replicas, log: opts.log })
    const vaultView = {
      addresses: () => [...vault.addresses()],
      get: (a: Uint8Array) => vault.get(a),
      delete: (a: Uint8Array) => vault.delete(a),
    }
    const heldRecords = {
      recordAddresses: () => [...vault.recordAddresses()],
      getRecord: (a: Uint8Array) => vault.getRecord(a),
      putRecord: (r: SignedRecord, a?: Uint8Array) => vault.putRecord(r, a),
      deleteRecord: (a: Uint8Array) => vault.deleteRecord(a),
    }
    this.repairer = new Repairer(
      { peers: this.trusted, vault: vaultView, ask, records: { held: heldRecords, ask: askRecord } },
      { replicas, log: opts.log },
    )
  }

  static async start(opts: NodeOptions): Promise<PeerDriveNode> {
    const vault = await Vault.open(
      opts.vaultDir,
      opts.capacity === undefined ? {} : { capacity: opts.capacity },
    )
    let host: Host
    let identity: OwnerKey
    try {
      const privateKey = await loadOrCreateKey(join(opts.vaultDir, 'identity.key'))
      identity = identitySigner(privateKey)
      host = await createHost({
        privateKey,
        listen: opts.listen,
        bootstrap: opts.bootstrap,
        mdns: opts.mdns,
        heartbeatMs: opts.heartbeatMs,
        heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
      })
    } catch (err) {
      await vault.close()
      throw err
    }
    const node = new PeerDriveNode(host, vault, identity, opts)
    await node.wire()
    return node
  }

  private async wire(): Promise<void> {
    const log = this.opts.log ?? (() => {})
    const serveOptions = {
      readTimeoutMs: this.opts.requestTimeoutMs,
      onMisbehaviour: (peer: PeerId, reason: string) => log(`peer ${peer.toString()} misbehaved: ${reason}`),
    }
    await serveChunks(this.host, this.holder(), this.scores, serveOptions)
    await serveRecords(this.host, this.vault, this.scores, serveOptions)
    await servePeerList(this.host, this.peers)
    if (this.opts.benchmark) await serveThroughputSink(this.host)
    const vault = this.vault
    this.farmer = await Farmer.start(
      {
        host: this.host,
        peers: this.peers,
        vault: {
          addresses: () => [...vault.addresses()],
          get: (a) => vault.get(a),
          has: (a) => vault.has(a),
          isFull: () => vault.stats().free < 2 ** 20,
        },
        identity: this.identity,
        scores: this.scores,
      },
      { ...this.opts.farming, dir: vault.dir, replicas: this.opts.replicas, log },
    )
    // a vault that fails its proofs is treated as lost: its chunks and records are restored elsewhere
    this.farmer.trust.onDistrust((key) => {
      const peer = this.peers.list().find((p) => p.key === key)
      if (peer && !this.stopped)
        this.repairer
          .afterLoss(peer)
          .catch((err) => log(`repair after distrust failed: ${(err as Error).message}`))
    })
    this.peers.onJoined((peer) => void this.learnPeersFrom(peer.id))
    this.peers.onLost((peer, at) => {
      this.opts.onPeerLost?.(peer, at)
      if (this.stopped) return
      log(`lost vault ${peer.key}`)
      this.repairer.afterLoss(peer).catch((err) => log(`repair after loss failed: ${(err as Error).message}`))
    })
    const every = this.opts.auditIntervalMs ?? 30_000
    this.auditTimer = setInterval(() => {
      this.auditing = this.repairer.audit().catch((err) => log(`audit failed: ${(err as Error).message}`))
    }, every)
    this.auditTimer.unref()
    this.scheduleExchange()
  }

  /**
   * Asks a known vault now and then for the vaults it knows: a peer list that
   * failed at join (a busy peer, a stream cut short) and a vault dropped by a
   * slow heartbeat are found again. Often while this node knows fewer vaults
   * than a close group needs, rarely once it does.
   */
  private scheduleExchange(): void {
    if (this.stopped) return
    const few = this.peers.size < (this.opts.replicas ?? DEFAULT_REPLICAS) + 1
    this.exchangeTimer = setTimeout(
      () => {
        const known = this.peers.list()
        const peer = known[Math.floor(Math.random() * known.length)]
        const asking = peer ? this.learnPeersFrom(peer.id) : this.redialBootstrap()
        void asking.finally(() => this.scheduleExchange())
      },
      few ? 2_000 : 20_000,
    )
    this.exchangeTimer.unref()
  }

  /** With no vault known at all, the bootstrap addresses are dialled again. */
  private async redialBootstrap(): Promise<void> {
    await Promise.all(
      (this.opts.bootstrap ?? []).map((addr) =>
        this.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(5000) }).catch(() => {}),
      ),
    )
  }

  /** Dials the vaults a peer knows that this node does not, so small networks become a full mesh. */
  private async learnPeersFrom(id: PeerId): Promise<void> {
    let list: Awaited<ReturnType<typeof fetchPeerList>> = []
    // A busy peer may cut the stream short: a few tries, spaced out, before the periodic exchange takes over.
    for (let attempt = 0; attempt < 3 && !this.stopped; attempt++) {
      try {
        list = await fetchPeerList(this.host, id)
        break
      } catch {
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt).unref())
      }
    }
    await Promise.all(
      list
        .filter((p) => !p.id.equals(this.host.peerId) && !this.peers.has(p.id.toString()))
        .map(async (p) => {
          await this.host.peerStore.merge(p.id, { multiaddrs: p.addrs }).catch(() => {})
          await this.host.dial(p.id, { signal: AbortSignal.timeout(5000) }).catch(() => {})
        }),
    )
  }

  private holder(): ChunkHolder {
    const vault = this.vault
    return {
      put: (a, b) => vault.put(a, b),
      get: (a) => vault.get(a),
      has: (a) => vault.has(a),
      delete: (a) => vault.delete(a),
      listAddresses: (after, limit) => {
        const out: Uint8Array[] = []
        for (const a of vault.addresses(after ?? undefined)) {
          out.push(a)
          if (out.length >= limit) break
        }
        return out
      },
    }
  }

  /** A request to a vault peer, or to this node's own vault without the network. */
  private ask(peer: VaultPeer, req: Request): Promise<Response> {
    if (peer.key === this.peers.self.key) return answerChunkRequest(this.holder(), req)
    return requestChunk(this.host, peer.id, req)
  }

  /** A record request to a vault peer, or to this node's own vault without the network. */
  private askRecord(peer: VaultPeer, req: RecordRequest): Promise<RecordResponse> {
    if (peer.key === this.peers.self.key) return answerRecordRequest(this.vault, req)
    return requestRecord(this.host, peer.id, req)
  }

  /** Waits until `count` vault peers are known (or the time is up); returns how many are. */
  async waitForPeers(count: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs
    while (this.peers.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    return this.peers.size
  }

  multiaddrs(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString())
  }

  metrics(): NodeMetrics {
    const s = this.vault.stats()
    return {
      peerId: this.host.peerId.toString(),
      peers: this.host.getPeers().length,
      vaultPeers: this.peers.size,
      networkSize: this.peers.size + 1,
      dhtPeers: this.host.services.dht.routingTable.size,
      chunks: s.chunks,
      bytes: s.chunkBytes,
      records: s.records,
      capacity: s.capacity,
      repairs: this.repairer.repairs,
      lastRepairAt: this.repairer.lastRepairAt || null,
      degradedPuts: this.network.degraded,
      degradedRecordPuts: this.records.degraded,
    }
  }

  /** Runs one audit now (and waits for one already running). */
  async audit(): Promise<number> {
    await this.auditing
    return this.repairer.audit()
  }

  /**
   * Changes the donation. Lowered below what is held, chunks are first handed
   * to other vaults and only then deleted here, until the vault fits again.
   */
  async setCapacity(bytes: number): Promise<{ excess: number; moved: number }> {
    let { excess } = this.vault.setCapacity(bytes)
    let moved = 0
    if (excess > 0) {
      const self = this.peers.self
      // Hand off first what this vault is least responsible for.
      const addresses = [...this.vault.addresses()].sort((a, b) => compareRank(self, b, a))
      for (const address of addresses) {
        if (this.vault.stats().excess <= 0) break
        moved += (await this.repairer.handOff([address])).moved
      }
      // Records are small; they go only if handing off chunks was not enough.
      const records = [...this.vault.recordAddresses()].sort((a, b) => compareRank(self, b, a))
      for (const address of records) {
        if (this.vault.stats().excess <= 0) break
        moved += (await this.repairer.handOffRecords([address])).moved
      }
      excess = this.vault.stats().excess
    }
    return { excess, moved }
  }

  /** Stops the node; with `handOff`, first gives every held chunk and record to the vaults that remain. */
  async stop(opts: { handOff?: boolean } = {}): Promise<void> {
    if (opts.handOff) {
      await this.repairer.handOff([...this.vault.addresses()])
      await this.repairer.handOffRecords([...this.vault.recordAddresses()])
    }
    this.stopped = true
    clearInterval(this.auditTimer)
    clearTimeout(this.exchangeTimer)
    await this.auditing
    await this.farmer.stop()
    await this.records.settled()
    await this.host.stop()
    await this.vault.close()
  }
}

/** Orders chunks by XOR distance from this node to their key. */
function compareRank(self: VaultPeer, a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(xorDistance(kadKey(a), self.kadId), xorDistance(kadKey(b), self.kadId))
}

/**
 * The drive's sync status with what it reports about files below R copies
 * on other vaults; optional so this reads a drive that does not report them yet.
 */
type DriveSyncStatus = Omit<SyncStatus, 'state'> & {
  state: SyncStatus['state'] | 'degraded'
  files_degraded?: number
  degraded?: { name: string; copies: number; of: number }[]
  tree_copies?: number
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

/**
 * A vault node with the user's drive: the vault serves the network from the
 * start; the drive opens when an account does (created, logged in, or
 * remembered on this device), with the account's keys, and is mounted with
 * FUSE; the API serves status and the account commands.
 */
export class DriveNode {
  readonly node: PeerDriveNode
  readonly api: ApiServer
  readonly accounts: Accounts
  /** Log lines, live events and settings for the dashboard. */
  readonly feed: NodeFeed
  private readonly opts: DriveNodeOptions
  private open:
    { account: OpenAccount; drive: Drive; mounted?: MountedDrive; remembered: boolean } | undefined
  /** One account change at a time: a login racing a logout would mount a closed drive. */
  private changing: Promise<unknown> = Promise.resolve()

  private constructor(node: PeerDriveNode, api: ApiServer, opts: DriveNodeOptions, feed: NodeFeed) {
    this.node = node
    this.api = api
    this.opts = opts
    this.feed = feed
    this.accounts = new Accounts(node.records, opts.accounts)
  }

  static async start(options: DriveNodeOptions): Promise<DriveNode> {
    // a fresh machine joining a network has no home yet: api.json and the settings go there
    await ensurePrivateDir(options.home)
    const feed = new NodeFeed(options.home)
    await feed.settings.load()
    const self: { node?: DriveNode } = {}
    const opts = feed.wrap(options, () => self.node!.accountStatus())
    const node = await PeerDriveNode.start(opts)
    try {
      // The account's packet and the drive's root record live on other vaults: meet them first.
      if (opts.bootstrap?.length) await node.waitForPeers(opts.replicas ?? DEFAULT_REPLICAS, 15_000)
      // the API is up before the DriveNode that answers it exists
      const api = await startApiServer(
        driveNodeHandlers(() => self.node!),
        { port: opts.apiPort, events: feed.events, staticDir: opts.dashboardDir },
      )
      const driveNode = new DriveNode(node, api, opts, feed)
      self.node = driveNode
      feed.watchStatus(() => driveNode.status())
      try {
        await writeAtomically(endpointFile(opts.home), JSON.stringify({ port: api.port, token: api.token }))
        const keys = await recall(opts.home, driveNode.sealer)
        if (keys) await driveNode.openAccount({ id: accountId(keys), keys }, true)
      } catch (err) {
        // the status watch would otherwise read a stopped vault on its next tick
        feed.stop()
        await api.close()
        throw err
      }
      return driveNode
    } catch (err) {
      await node.stop()
      throw err
    }
  }

  /** The open drive, if an account is open. */
  get drive(): Drive | undefined {
    return this.open?.drive
  }

  get account(): OpenAccount | undefined {
    return this.open?.account
  }

  /** Where the drive mounts when an account opens. */
  get mountPoint(): string | undefined {
    return this.opts.mount
  }

  private get sealer(): SecretSealer {
    return this.opts.sealer ?? fileOnlySealer
  }

  accountStatus(): AccountStatus {
    return {
      logged_in: this.open !== undefined,
      account_id: this.open?.account.id ?? null,
      remembered: this.open?.remembered ?? false,
    }
  }

  async create(req: LoginRequest): Promise<AccountStatus> {
    return this.change(async () => {
      // an account, once created, exists for good: find out first whether its drive could mount
      if (this.opts.mount && !this.open) await checkMountable(this.opts.mount, this.opts.log ?? (() => {}))
      const account = await this.accounts.create(req)
      await this.switchTo(account, req.remember === true)
    })
  }

  async login(req: LoginRequest): Promise<AccountStatus> {
    return this.change(async () => {
      const account = await this.accounts.login(req)
      if (this.open?.account.id === account.id) {
        wipeKeys(account.keys)
        await this.setRemembered(req.remember === true)
        return
      }
      await this.switchTo(account, req.remember === true)
    })
  }

  /** Closes the open account (refusing if its drive has unsynced data), then opens `account`. */
  private async switchTo(account: OpenAccount, remembered: boolean): Promise<void> {
    try {
      await this.closeAccount(false)
    } catch (err) {
      wipeKeys(account.keys)
      throw err
    }
    await this.openAccount(account, remembered)
  }

  /** Flushes the drive, unmounts it and wipes the account's keys from memory and disk. */
  async logout(force = false): Promise<AccountStatus> {
    return this.change(() => this.closeAccount(force))
  }

  async changePassword(req: Credentials & { new_password: string }): Promise<AccountStatus> {
    return this.change(async () => {
      const account = await this.accounts.changePassword(req, req.new_password)
      if (this.open?.account.id !== account.id) wipeKeys(account.keys)
    })
  }

  private async change(work: () => Promise<void>): Promise<AccountStatus> {
    const run = this.changing.then(work)
    this.changing = run.catch(() => {})
    await run
    return this.accountStatus()
  }

  private async openAccount(account: OpenAccount, remembered: boolean): Promise<void> {
    const log = this.opts.log ?? (() => {})
    const drive = await Drive.open({
      // each account's drive state apart, so a second account on this node never sees the first's
      dir: join(this.opts.home, 'drives', account.id.slice(0, 16)),
      key: account.keys.driveKey,
      chunks: this.node.network,
      root: new RecordRootStore(this.node.records, OwnerKey.fromSeed(account.keys.driveOwnerSeed)),
      journalLimitBytes: this.opts.journalLimitBytes,
      capacityBytes: () => this.node.vault.stats().capacity,
      log,
      onEvent: this.opts.onDriveEvent,
    })
    let mounted: MountedDrive | undefined
    try {
      if (this.opts.mount) mounted = await mountDrive(drive, this.opts.mount, { log })
    } catch (err) {
      await drive.close()
      throw err
    }
    this.open = { account, drive, mounted, remembered: false }
    await this.setRemembered(remembered)
    log(`account ${account.id.slice(0, 12)} open${mounted ? `; drive mounted at ${mounted.mountPoint}` : ''}`)
    // farmed coin is paid to the account's wallet while it is open, and what the vault farmed before follows
    this.node.farmer.useWallet(account.keys.walletSeed)
    this.node.farmer
      .moveDeviceCoins()
      .catch((err) => log(`moving coins to the account's wallet failed: ${(err as Error).message}`))
    this.opts.onAccountChange?.(account)
  }

  private async setRemembered(on: boolean): Promise<void> {
    if (!this.open) return
    if (on) await remember(this.opts.home, this.open.account.keys, this.sealer)
    else await forget(this.opts.home)
    this.open.remembered = on
  }

  private async closeAccount(force: boolean): Promise<void> {
    const open = this.open
    if (!open) return
    const synced = await this.settleForLogout(open.drive, force ? 5_000 : 30_000)
    if (!force) {
      // the only copy of a degraded file may be on this device: leaving would lose it with the machine
      const below = degradedSummary(this.syncStatus(open.drive))
      if (below) throw new DegradedLogoutError(below.files, below.of)
      if (!synced) throw new UnsyncedLogoutError(open.drive.status().files_pending)
    }
    await open.mounted?.unmount()
    await open.drive.close()
    this.open = undefined
    await forget(this.opts.home)
    // the drive's local state (tree, cached and staged file data) is this account's: none stays behind
    await rm(join(this.opts.home, 'drives', open.account.id.slice(0, 16)), { recursive: true, force: true })
    wipeKeys(open.account.keys)
    this.node.farmer.useDeviceWallet()
    this.opts.log?.('account closed; its keys and local drive state are wiped from this device')
    this.opts.onAccountChange?.(undefined)
  }

  /**
   * Flushes open files and waits for uploads, up to `timeoutMs`; true once
   * everything is in the network. Stops waiting early when all that is left
   * is degraded: more vaults are needed for those, not more time here.
   */
  private async settleForLogout(drive: Drive, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const slice = Math.max(0, Math.min(1_000, deadline - Date.now()))
      if (await drive.syncAll(slice).catch(() => false)) return true
      if (Date.now() >= deadline || this.syncStatus(drive).state === 'degraded') return false
    }
  }

  /** The drive's sync state as the API gives it; files below R copies are never 'synced'. */
  private syncStatus(drive: Drive): StatusResult['sync'] {
    const sync: DriveSyncStatus = drive.status()
    const degraded = (sync.degraded ?? []).map(({ name, copies, of }) => ({ name, copies, of }))
    const filesDegraded = Math.max(sync.files_degraded ?? 0, degraded.length)
    const state = sync.state === 'synced' && filesDegraded > 0 ? 'degraded' : sync.state
    return {
      state: state === 'error' && this.node.peers.size === 0 ? 'offline' : state,
      files_pending: sync.files_pending,
      bytes_pending: sync.bytes_pending,
      uploading: sync.uploading.map(({ name, done, total }) => ({ name, done, total })),
      errors: sync.errors,
      files_degraded: filesDegraded,
      degraded,
      ...(sync.tree_copies === undefined ? {} : { tree_copies: sync.tree_copies }),
    }
  }

  status(): StatusResult {
    const m = this.node.metrics()
    const v = this.node.vault.stats()
    const drive = this.open?.drive
    return {
      mounted: this.open?.mounted !== undefined,
      mount: this.open?.mounted?.mountPoint ?? null,
      sync: drive
        ? this.syncStatus(drive)
        : {
            state: 'no-drive',
            files_pending: 0,
            bytes_pending: 0,
            uploading: [],
            errors: [],
            files_degraded: 0,
            degraded: [],
          },
      vault: { dir: this.node.vault.dir, donated_bytes: v.capacity, used_bytes: v.used, chunks: v.chunks },
      peers: m.vaultPeers,
      network: { size: m.networkSize, repairs: m.repairs, last_repair_at: m.lastRepairAt },
      peer_id: m.peerId,
      addresses: this.node.multiaddrs(),
    }
  }

  /**
   * Unmounts (after flushing what can be flushed) and stops the drive, the API
   * and the node. Remembered keys stay; otherwise the keys leave with the process.
   */
  async stop(): Promise<void> {
    await this.changing
    const open = this.open
    this.open = undefined
    if (open) {
      await open.drive.syncAll(30_000).catch(() => false)
      await open.mounted?.unmount()
      await open.drive.close()
      wipeKeys(open.account.keys)
    }
    this.feed.stop()
    await this.api.close()
    await rm(endpointFile(this.opts.home), { force: true })
    await this.node.stop()
  }
}

export class DegradedLogoutError extends PeerDriveError {
  constructor(files: number, of: number) {
    super(
      'DegradedLogout',
      `${files === 0 ? "the drive's latest changes have" : files === 1 ? '1 file has' : `${files} files have`} fewer than ${of} copies in the network; logout --force to leave anyway`,
    )
  }
}

export class UnsyncedLogoutError extends PeerDriveError {
  constructor(files: number) {
    super(
      'UnsyncedLogout',
      `${files} file(s) have not reached the network yet; wait for sync, or log out with force to discard them`,
    )
  }
}

export function driveNodeHandlers(node: () => DriveNode): Handlers {
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
    'farming-pause': async ({ paused }) => {
      const n = node()
      n.node.farmer.setPaused(paused)
      n.feed.events.emit({ type: 'settings', settings: await currentSettings(n) })
      return { paused: n.node.farmer.paused }
    },
    ...appHandlers(node),
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode: 0o600 })
  await rename(`${path}.tmp`, path)
}
