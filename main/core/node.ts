// The one place where a PeerDrive node is wired together, started and stopped:
// the vault, the libp2p host, the chunk, record and peer protocols, churn
// handling, repair and the periodic audit.
import { rm, writeFile } from 'node:fs/promises'
import { endpointFile, startApiServer } from './api/index.ts'
import type { ApiServer, StatusResult } from './api/index.ts'
import { Drive, loadOrCreateDriveKeys } from './drive/index.ts'
import type { DriveEvent } from './drive/index.ts'
import { RecordRootStore } from './drive/record-root-store.ts'
import { mountDrive } from './fuse/index.ts'
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
  /** Strikes against peers that sent malformed, oversized or no requests. */
  readonly scores = new PeerScores()
  private readonly opts: NodeOptions
  private auditTimer: NodeJS.Timeout | undefined
  private auditing: Promise<unknown> = Promise.resolve()
  private stopped = false

  private constructor(host: Host, vault: Vault, opts: NodeOptions) {
    this.host = host
    this.vault = vault
    this.opts = opts
    this.peers = new PeerTable(host)
    const ask = (peer: VaultPeer, req: Request): Promise<Response> => this.ask(peer, req)
    const replicas = opts.replicas ?? DEFAULT_REPLICAS
    this.network = new NetworkChunkStore({ peers: this.peers, ask }, { replicas })
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
      { peers: this.peers, vault: vaultView, ask, records: { held: heldRecords, ask: askRecord } },
      { replicas, log: opts.log },
    )
  }

  static async start(opts: NodeOptions): Promise<PeerDriveNode> {
    const vault = await Vault.open(
      opts.vaultDir,
      opts.capacity === undefined ? {} : { capacity: opts.capacity },
    )
    let host: Host
    try {
      const privateKey = await loadOrCreateKey(join(opts.vaultDir, 'identity.key'))
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
    const node = new PeerDriveNode(host, vault, opts)
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
  }

  /** Dials the vaults a peer knows that this node does not, so small networks become a full mesh. */
  private async learnPeersFrom(id: PeerId): Promise<void> {
    const list = await fetchPeerList(this.host, id).catch(() => [])
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
    await this.auditing
    await this.records.settled()
    await this.host.stop()
    await this.vault.close()
  }
}

/** Orders chunks by XOR distance from this node to their key. */
function compareRank(self: VaultPeer, a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(xorDistance(kadKey(a), self.kadId), xorDistance(kadKey(b), self.kadId))
}

export interface DriveNodeOptions extends NodeOptions {
  /** Where the drive keeps its local state, keys and api.json. */
  home: string
  /** Where to mount the drive; omitted, the drive runs without a mount (tests, API only). */
  mount?: string
  apiPort?: number
  journalLimitBytes?: number
  onDriveEvent?: (e: DriveEvent) => void
}

/**
 * A vault node with the user's drive: the drive's chunks and root record go
 * to the network, the drive is mounted with FUSE, and the API serves status.
 */
export class DriveNode {
  readonly node: PeerDriveNode
  readonly drive: Drive
  readonly api: ApiServer
  private mounted: MountedDrive | undefined
  private readonly home: string

  private constructor(node: PeerDriveNode, drive: Drive, api: ApiServer, home: string) {
    this.node = node
    this.drive = drive
    this.api = api
    this.home = home
  }

  static async start(opts: DriveNodeOptions): Promise<DriveNode> {
    const node = await PeerDriveNode.start(opts)
    const log = opts.log ?? (() => {})
    try {
      // The drive's root record lives on other vaults: meet them before reading it.
      if (opts.bootstrap?.length) await node.waitForPeers(opts.replicas ?? DEFAULT_REPLICAS, 15_000)
      const keys = await loadOrCreateDriveKeys(join(opts.home, 'drive.key'))
      const drive = await Drive.open({
        dir: join(opts.home, 'drive'),
        key: keys.encryptionKey,
        chunks: node.network,
        root: new RecordRootStore(node.records, OwnerKey.fromSeed(keys.ownerSeed)),
        journalLimitBytes: opts.journalLimitBytes,
        capacityBytes: () => node.vault.stats().capacity,
        log,
        onEvent: opts.onDriveEvent,
      })
      // the API is up before the DriveNode that answers it exists
      const self: { node?: DriveNode } = {}
      const api = await startApiServer(
        {
          status: async () => self.node!.status(),
          'set-donation': async ({ bytes }) => node.setCapacity(bytes),
        },
        { port: opts.apiPort },
      )
      const driveNode = new DriveNode(node, drive, api, opts.home)
      self.node = driveNode
      await writeFile(endpointFile(opts.home), JSON.stringify({ port: api.port, token: api.token }), {
        mode: 0o600,
      })
      if (opts.mount) driveNode.mounted = await mountDrive(drive, opts.mount, { log })
      return driveNode
    } catch (err) {
      await node.stop()
      throw err
    }
  }

  status(): StatusResult {
    const m = this.node.metrics()
    const v = this.node.vault.stats()
    const sync = this.drive.status()
    return {
      mounted: this.mounted !== undefined,
      mount: this.mounted?.mountPoint ?? null,
      sync: {
        state: sync.state === 'error' && m.vaultPeers === 0 ? 'offline' : sync.state,
        files_pending: sync.files_pending,
        bytes_pending: sync.bytes_pending,
        uploading: sync.uploading.map(({ name, done, total }) => ({ name, done, total })),
        errors: sync.errors,
      },
      vault: { dir: this.node.vault.dir, donated_bytes: v.capacity, used_bytes: v.used, chunks: v.chunks },
      peers: m.vaultPeers,
      network: { size: m.networkSize, repairs: m.repairs, last_repair_at: m.lastRepairAt },
      peer_id: m.peerId,
      addresses: this.node.multiaddrs(),
    }
  }

  /** Unmounts (after flushing what can be flushed), then stops the drive, the API and the node. */
  async stop(): Promise<void> {
    await this.drive.syncAll(30_000).catch(() => false)
    await this.mounted?.unmount()
    this.mounted = undefined
    await this.drive.close()
    await this.api.close()
    await rm(endpointFile(this.home), { force: true })
    await this.node.stop()
  }
}
