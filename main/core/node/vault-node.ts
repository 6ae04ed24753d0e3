// A vault node wired together, started and stopped: the vault, the libp2p
// host, the chunk, record and peer protocols, churn handling, repair, the
// periodic audit and farming.
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { join } from 'node:path'
import { Farmer } from '../farming/index.ts'
import type { StorageBalance } from '../farming/index.ts'
import { paidStorageCheck } from '../storage/paid-check.ts'
import { TicketBatcher } from '../storage/payer.ts'
import { RECORD_CHARGE_BYTES } from '../storage/ticket.ts'
import { Bandwidth, throttledServing } from '../net/bandwidth.ts'
import { answerChunkRequest } from '../net/chunk-service.ts'
import type { ChunkHolder } from '../net/chunk-service.ts'
import { CHUNK_PROTOCOL, requestChunk, serveChunks } from '../net/chunk-protocol.ts'
import type { Host } from '../net/host.ts'
import { LOOPBACK_LISTEN } from '../net/host.ts'
import { ReachabilityPolicy } from '../net/reachability-policy.ts'
import type { NetworkReport } from '../net/reachability.ts'
import type { Request, Response } from '../net/messages.ts'
import { NetworkRecordStore } from '../net/network-record-store.ts'
import type { RecordPayer } from '../net/network-record-store.ts'
import { NetworkChunkStore } from '../net/network-store.ts'
import { PeerScores } from '../net/peer-scores.ts'
import { PeerTable } from '../net/peer-table.ts'
import { KadRouter } from '../net/router.ts'
import type { RoutedPeers } from '../net/router.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import { vaultPeer } from '../net/vault-peer.ts'
import type { RecordRequest, RecordResponse } from '../net/record-messages.ts'
import { RECORD_PROTOCOL, requestRecord, serveRecords } from '../net/record-protocol.ts'
import { answerRecordRequest } from '../net/record-service.ts'
import { serveThroughputSink } from '../net/throughput-protocol.ts'
import { DEFAULT_REPLICAS, kadKey, xorDistance } from '../placement/index.ts'
import type { OwnerKey } from '../records/index.ts'
import type { SignedRecord } from '../records/format.ts'
import { HoldingsTally } from '../replication/holdings.ts'
import { Repairer } from '../replication/repairer.ts'
import type { Vault } from '../vault/index.ts'
import { ShareInbox } from '../share/inbox.ts'
import { OfferBox } from '../share/offer-box.ts'
import { Neighbourhood } from './neighbourhood.ts'
import type { NodeOptions } from './options.ts'
import { openNodeParts } from './start.ts'

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
  /** Upload and download limits (0: none), shared by the drive's sync and by serving others. */
  readonly bandwidth = new Bandwidth()
  /** Signed mutable records in the network (drive roots, session packets, coins). */
  readonly records: NetworkRecordStore
  readonly repairer: Repairer
  /** What this vault's audits found each neighbour holding: its account's allowance grows with it. */
  readonly holdings = new HoldingsTally()
  /** Storage proofs, receipts, coin claims and the wallet; set once the node is wired. */
  farmer!: Farmer
  /** Shares sent to accounts: kept here for the accounts whose inbox group this vault is in, and sent and collected. */
  shareInbox!: ShareInbox
  private offerBox: OfferBox | undefined
  /** Strikes against peers that sent malformed, oversized or no requests. */
  readonly scores = new PeerScores()
  /** This node's identity as a signing key (receipts, coin countersignatures). */
  readonly identity: OwnerKey
  /** The vault peers this node still trusts: the only ones it places data on and repairs to. */
  readonly trusted: RoutedPeers & { self: VaultPeer; list(): VaultPeer[] }
  /** Finds the vaults closest to any key by kad-dht lookups (cached briefly). */
  readonly router: KadRouter
  /** The vaults closest to this one, whose connections it keeps: the only losses it repairs after. */
  readonly neighbourhood: Neighbourhood
  /** Every vault this node may place on, trusted or not (records and farming judge answers themselves). */
  private readonly routed: RoutedPeers & { self: VaultPeer; list(): VaultPeer[] }
  /** Whether the network can reach this node; an unreachable node is a client only (docs/NETWORK.md). */
  reachability!: ReachabilityPolicy
  /** True while this node serves the chunk and record protocols (it is a vault for others). */
  private servingVault = false
  private readonly opts: NodeOptions
  private auditTimer: NodeJS.Timeout | undefined
  private auditSoonTimer: NodeJS.Timeout | undefined
  private auditing: Promise<unknown> = Promise.resolve()
  private stopped = false

  private constructor(host: Host, vault: Vault, identity: OwnerKey, opts: NodeOptions) {
    this.host = host
    this.vault = vault
    this.identity = identity
    this.opts = opts
    this.peers = new PeerTable(host, { idWorkBits: opts.idWorkBits })
    const peers = this.peers
    const replicas = opts.replicas ?? DEFAULT_REPLICAS
    this.router = new KadRouter(host, () => peers.list(), peers.self, {
      replicas,
      idWorkBits: opts.idWorkBits,
      onLookup: opts.onLookup,
      ...(opts.lookupTimeoutMs ? { lookupTimeoutMs: opts.lookupTimeoutMs } : {}),
    })
    this.neighbourhood = new Neighbourhood(host, peers, this.router, {
      bootstrap: opts.bootstrap,
      size: opts.neighbours ?? 2 * replicas,
      idleMs: opts.idleLinkMs,
      linkBudget: opts.linkBudget,
      log: opts.log,
    })
    const trusted = (p: VaultPeer) => this.farmer?.trust.isTrusted(p.key) ?? true
    // a client-only node is in no close group, its own included
    const placeable = (p: VaultPeer) => this.servingVault || p.key !== peers.self.key
    const closest = async (key: Uint8Array, count = Infinity, keep: (p: VaultPeer) => boolean = () => true) =>
      (await this.router.closestPeers(key)).filter((p) => keep(p) && placeable(p)).slice(0, count)
    // the vaults this node is connected to and the ones near it that the last lookup found
    const known = (): VaultPeer[] => {
      const all = new Map(peers.withSelf().map((p) => [p.key, p]))
      for (const p of this.neighbourhood.nearby()) if (!all.has(p.key)) all.set(p.key, p)
      return [...all.values()]
    }
    const others = () => known().filter((p) => p.key !== peers.self.key)
    this.trusted = {
      self: peers.self,
      withSelf: () => known().filter((p) => trusted(p) && placeable(p)),
      list: () => others().filter(trusted),
      closest: (key, count) => closest(key, count, trusted),
      relook: (key) => this.router.forgetKey(key),
    }
    const ask = (peer: VaultPeer, req: Request): Promise<Response> => this.ask(peer, req)
    this.network = new NetworkChunkStore(
      {
        peers: this.trusted,
        ask,
        onServed: (vault, address) => this.farmer?.sendReceipt(vault, address),
        distrusted: () =>
          // a distrusted vault may be disconnected now and still be in the member's view
          (this.farmer?.trust.distrusted() ?? []).flatMap((d) => {
            try {
              return [peers.get(d.peer) ?? vaultPeer(peerIdFromString(d.peer))]
            } catch {
              return []
            }
          }),
      },
      { replicas },
    )
    const askRecord = (peer: VaultPeer, req: RecordRequest): Promise<RecordResponse> =>
      this.askRecord(peer, req)
    this.routed = {
      self: peers.self,
      withSelf: () => known().filter(placeable),
      list: others,
      closest: (key, count) => closest(key, count),
      relook: (key) => this.router.forgetKey(key),
    }
    this.records = new NetworkRecordStore({ peers: this.routed, ask: askRecord }, { replicas, log: opts.log })
    const vaultView = {
      addresses: () => [...vault.addresses()],
      get: (a: Uint8Array) => vault.get(a),
      delete: (a: Uint8Array) => vault.delete(a),
      sizeOf: (a: Uint8Array) => vault.sizeOf(a),
    }
    const heldRecords = {
      recordAddresses: () => [...vault.recordAddresses()],
      getRecord: (a: Uint8Array) => vault.getRecord(a),
      putRecord: (r: SignedRecord, a?: Uint8Array) => vault.putRecord(r, a),
      deleteRecord: (a: Uint8Array) => vault.deleteRecord(a),
    }
    // a dial that fails before its timeout is a refused or unroutable vault; a slow one may still answer
    const unreachable = async (peer: VaultPeer): Promise<boolean> => {
      const signal = AbortSignal.timeout(2_000)
      return host.dial(peer.id, { signal }).then(
        () => false,
        () => !signal.aborted,
      )
    }
    this.repairer = new Repairer(
      {
        peers: this.trusted,
        vault: vaultView,
        ask,
        unreachable,
        records: { held: heldRecords, ask: askRecord },
        holdings: this.holdings,
      },
      { replicas, log: opts.log },
    )
  }

  static async start(opts: NodeOptions): Promise<PeerDriveNode> {
    const { vault, host, identity } = await openNodeParts(opts)
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
    this.reachability = new ReachabilityPolicy(this.host, {
      listen: this.opts.listen ?? LOOPBACK_LISTEN,
      decideAfterMs: this.opts.reachabilityDecideMs,
      serveVault: (on) => this.serveVault(on, serveOptions),
      log,
    })
    // a loopback node serves at once; one on a real network once it knows it is reachable
    await this.reachability.start()
    await this.neighbourhood.serve()
    if (this.opts.benchmark) await serveThroughputSink(this.host)
    const vault = this.vault
    this.farmer = await Farmer.start(
      {
        host: this.host,
        peers: this.routed,
        vault: {
          addresses: () => [...vault.addresses()],
          get: (a) => vault.get(a),
          has: (a) => vault.has(a),
          isFull: () => vault.stats().free < 2 ** 20,
          countAlso: (measure) => vault.countAlso(measure),
        },
        identity: this.identity,
        scores: this.scores,
        heldFor: (peer) => this.holdings.heldBy(peer),
      },
      { ...this.opts.farming, dir: vault.dir, replicas: this.opts.replicas, log },
    )
    this.offerBox = new OfferBox(join(vault.dir, 'share-inbox.db'))
    const box = this.offerBox
    vault.countAlso(() => box.bytesOnDisk())
    this.shareInbox = new ShareInbox({
      host: this.host,
      scores: this.scores,
      self: () => this.peers.self,
      box,
      lookupGroup: (hex) => this.farmer.validator.lookupGroup(hex),
      group: (hex) => this.farmer.validator.group(hex),
      near: (hex, peer) => this.farmer.validator.near(hex, peer),
    })
    await this.shareInbox.serve()
    // a vault that fails its proofs is treated as lost: its chunks and records are restored elsewhere
    this.farmer.trust.onDistrust((key) => {
      const peer = this.peers.list().find((p) => p.key === key)
      if (peer && !this.stopped)
        this.repairer
          .afterLoss(peer)
          .catch((err) => log(`repair after distrust failed: ${(err as Error).message}`))
    })
    this.peers.onJoined((peer) => {
      this.neighbourhood.noticed(peer)
      // a vault that joins near this one may now be responsible for chunks held here: the audit hands them over
      if (!this.stopped && this.neighbourhood.isNeighbour(peer)) this.auditSoon()
    })
    this.peers.onLost((peer, at) => {
      this.router.forget(peer.key)
      // only a neighbour's link is kept open: any other vault's closing is an idle link let go, not a loss
      if (this.stopped || !this.neighbourhood.isNeighbour(peer)) return
      void this.confirmLoss(peer).then((lost) => {
        if (lost) this.lost(peer, at)
      })
    })
    const every = this.opts.auditIntervalMs ?? 30_000
    this.auditTimer = setInterval(() => {
      this.auditing = this.repairer
        .audit()
        .catch((err) => log(`audit failed: ${(err as Error).message}`))
        .then(() => this.handOverInboxes())
    }, every)
    this.auditTimer.unref()
    // the heartbeat beats on neighbours' links and clients', not on every vault's this one talked to
    this.host.services.liveness.watchOnly((conn) => {
      const peer = this.peers.get(conn.remotePeer.toString())
      return peer === undefined || this.neighbourhood.isNeighbour(peer)
    })
    this.neighbourhood.start()
  }

  /**
   * Whether a neighbour whose links all closed is gone. Its process died or
   * it was cut off: dialling it again fails at once (a refused connection)
   * or within a second. A neighbour that only let an idle link of its own go
   * answers, and is kept.
   */
  private async confirmLoss(peer: VaultPeer): Promise<boolean> {
    try {
      await this.host.dial(peer.id, { signal: AbortSignal.timeout(1_000) })
      return this.stopped
    } catch {
      return !this.stopped
    }
  }

  /** A neighbour is gone: it leaves every close group this node knows, and what it held is restored. */
  private lost(peer: VaultPeer, at: number): void {
    const log = this.opts.log ?? (() => {})
    this.neighbourhood.forget(peer.key)
    this.opts.onPeerLost?.(peer, at)
    log(`lost vault ${peer.key}`)
    this.neighbourhood.refreshSoon()
    this.repairer.afterLoss(peer).catch((err) => log(`repair after loss failed: ${(err as Error).message}`))
    void this.handOverInboxes()
  }

  /**
   * Coin deliveries and share offers this vault keeps for an inbox group,
   * and the coin rows it keeps for a coin's group, reach the members new to
   * it (a vault that joined, the next closest after a loss), so they outlive
   * the members that first kept them.
   */
  private async handOverInboxes(): Promise<void> {
    if (this.stopped) return
    const log = this.opts.log ?? (() => {})
    await Promise.all([
      this.farmer.inbox.handOver(),
      this.shareInbox.handOver(),
      this.farmer.ledger.handOver(),
    ]).catch((err) => log(`handing inboxes and coin rows over failed: ${(err as Error).message}`))
  }

  /** Runs an audit a second from now, unless one is due sooner: several vaults joining at once cause one. */
  private auditSoon(): void {
    if (this.auditSoonTimer) return
    this.auditSoonTimer = setTimeout(() => {
      this.auditSoonTimer = undefined
      if (this.stopped) return
      const log = this.opts.log ?? (() => {})
      this.auditing = this.auditing
        .then(() => this.repairer.audit())
        .catch((err) => log(`audit failed: ${(err as Error).message}`))
        .then(() => this.handOverInboxes())
    }, 1_000)
    this.auditSoonTimer.unref()
  }

  /**
   * Serving the chunk and record protocols is what makes this node a vault to
   * others: their peer tables count only peers that identify with the chunk protocol.
   */
  private async serveVault(on: boolean, serveOptions: Parameters<typeof serveChunks>[3]): Promise<void> {
    if (on === this.servingVault || this.stopped) return
    if (on) {
      // a chunk a client sends here once is placed on the rest of its group, from this vault's trusted view
      const replicate = {
        self: this.peers.self,
        peers: this.trusted,
        replicas: this.network.replicas,
        ask: (peer: VaultPeer, req: Request) => this.ask(peer, req),
        ...(this.opts.paidStorage
          ? {
              paid: paidStorageCheck({
                self: this.peers.self,
                peers: this.routed,
                replicas: this.network.replicas,
              }),
            }
          : {}),
      }
      // what this vault sends to others shares the node's upload limit
      const served = throttledServing(this.holder(), this.bandwidth)
      await serveChunks(this.host, served, this.scores, { ...serveOptions, replicate })
      // a record, as a chunk, is kept only by the close group of its address
      await serveRecords(this.host, this.vault, this.scores, { ...serveOptions, guard: replicate })
    } else {
      await this.host.unhandle([CHUNK_PROTOCOL, RECORD_PROTOCOL])
    }
    this.servingVault = on
  }

  /**
   * Where storage is paid, the chunks this node puts are paid for by the
   * account (its balance group signs a ticket for each batch); undefined
   * stops paying; `onPaid` hears of each batch paid for. A network without
   * paid storage needs no tickets.
   */
  payStorageAs(account: OwnerKey | undefined, onPaid?: () => void): void {
    if (!this.opts.paidStorage || !account) {
      this.network.payer = undefined
      this.records.payer = undefined
      return
    }
    const batcher = new TicketBatcher(async (leaves) => {
      const tickets = await this.farmer.balances.pay(account, leaves)
      onPaid?.()
      return tickets
    })
    this.network.payer = (address, size) => batcher.ticket(address, size)
    this.records.payer = (address) => batcher.ticket(address, RECORD_CHARGE_BYTES)
  }

  /**
   * Who pays, as `account`, for a record put outside the account this node
   * pays as (the session packet of an account being made, or the new one a
   * password change writes); undefined where storage is not paid.
   */
  recordPayer(account: OwnerKey): RecordPayer | undefined {
    if (!this.opts.paidStorage) return undefined
    return async (address) =>
      (await this.farmer.balances.pay(account, [{ address, size: RECORD_CHARGE_BYTES }]))[0]!
  }

  /** The account's storage row as its balance group keeps it; undefined where storage is not paid or the group is silent. */
  async storageBalance(account: OwnerKey): Promise<StorageBalance | undefined> {
    if (!this.opts.paidStorage) return undefined
    return this.farmer.balances.balanceOf(account)
  }

  /** Reachability, whether this node is a client only, its relays and addresses. */
  networkReport(): NetworkReport {
    return this.reachability.report()
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
      // kad-dht's routing table knows more vaults than this node is connected to
      networkSize: Math.max(this.peers.size, this.host.services.dht.routingTable.size) + 1,
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
    this.neighbourhood.stop()
    clearTimeout(this.auditSoonTimer)
    await this.reachability.stop()
    await this.auditing
    await this.farmer.stop()
    this.offerBox?.close()
    await this.records.settled()
    await this.host.stop()
    await this.vault.close()
  }
}

/** Orders chunks by XOR distance from this node to their key. */
function compareRank(self: VaultPeer, a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(xorDistance(kadKey(a), self.kadId), xorDistance(kadKey(b), self.kadId))
}
