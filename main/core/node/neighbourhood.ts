// How a vault node meets the others without dialling all of them. It keeps
// connections to its neighbours: the vaults closest to its own id, the ones
// it shares close groups with, found by a closest-peer lookup of its own id
// at start and then periodically. Those kept connections are how a lost
// neighbour is noticed within the heartbeat. Every other connection (a
// lookup's, a request's, a client's) is closed once idle and the node holds
// more than its link budget, so a node holds O(log N) routing-table peers
// (kad-dht keeps those without connections) plus its neighbours, and not a mesh. Connections of clients are theirs to
// close.
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { compareDistance } from '../placement/index.ts'
import type { Host } from '../net/host.ts'
import { PING_PROTOCOL } from '../net/liveness.ts'
import { servePeerList } from '../net/peer-exchange.ts'
import type { PeerTable, VaultPeer } from '../net/peer-table.ts'
import type { Router } from '../net/router.ts'

export interface NeighbourhoodOptions {
  bootstrap?: string[]
  /** How many neighbours to keep: twice the close group, so every group this vault is in is among them. */
  size: number
  /** How often the neighbours are looked up again once there are enough. */
  refreshMs?: number
  /** A connection that is no neighbour's and carried no stream for this long may be closed... */
  idleMs?: number
  /**
   * ...when the node holds more connections than this. Below it, idle links
   * stay: each new connection costs a handshake, identify and a routing-table
   * update, and closing and redialling the same few vaults was most of an idle
   * vault's CPU. Above it, the links idle longest go first.
   */
  linkBudget?: number
  log?: (line: string) => void
}

/** Connections kept before idle ones are closed: a close group's neighbours and a routing table's worth of others. */
export const DEFAULT_LINK_BUDGET = 32

/** The peer store tag that keeps a neighbour's connection when libp2p prunes. */
const NEIGHBOUR_TAG = 'peerdrive-neighbour'

export class Neighbourhood {
  private readonly host: Host
  private readonly peers: PeerTable
  private readonly router: Router
  private readonly opts: Required<Omit<NeighbourhoodOptions, 'bootstrap' | 'log'>> &
    Pick<NeighbourhoodOptions, 'bootstrap' | 'log'>
  private kept = new Map<string, VaultPeer>()
  /** Every vault the last lookup of this node's id found (kad-dht's K closest that answered). */
  private near = new Map<string, VaultPeer>()
  private readonly idleSince = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined
  private dueAt = 0
  private trimTimer: NodeJS.Timeout | undefined
  private refreshing: Promise<void> | undefined
  private stopped = false

  constructor(host: Host, peers: PeerTable, router: Router, opts: NeighbourhoodOptions) {
    this.host = host
    this.peers = peers
    this.router = router
    this.opts = {
      ...opts,
      refreshMs: opts.refreshMs ?? 20_000,
      idleMs: opts.idleMs ?? 15_000,
      linkBudget: opts.linkBudget ?? DEFAULT_LINK_BUDGET,
    }
  }

  /** Answers peer-list requests (a client's join) with the vaults this node is connected to. */
  async serve(): Promise<void> {
    await servePeerList(this.host, this.peers)
  }

  /** Looks the neighbours up at once, then on a timer: often while there are few, rarely after. */
  start(): void {
    this.schedule(0)
    this.trimTimer = setInterval(() => void this.closeIdle(), Math.max(1_000, this.opts.idleMs / 3))
    this.trimTimer.unref()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    clearInterval(this.trimTimer)
  }

  /**
   * Whether `peer` is one of this node's neighbours: kept since the last
   * lookup, or closer to this node than all but `size - 1` of the vaults it is
   * connected to (a vault that joined since, or one just lost, is judged
   * without waiting for the next lookup).
   */
  isNeighbour(peer: VaultPeer): boolean {
    if (this.kept.has(peer.key)) return true
    const self = this.peers.self.kadId
    let closer = 0
    for (const other of this.peers.list())
      if (other.key !== peer.key && compareDistance(self, other.kadId, peer.kadId) < 0) closer++
    return closer < this.opts.size
  }

  /** A vault connected: when it may be a new neighbour, the neighbours are looked up again soon. */
  noticed(peer: VaultPeer): void {
    if (this.isNeighbour(peer)) this.refreshSoon()
  }

  neighbours(): VaultPeer[] {
    return [...this.kept.values()]
  }

  /**
   * The vaults near this one that the last lookup found alive, connected or
   * not: every close group this vault is in is drawn from them, so audits and
   * repairs judge groups by them.
   */
  nearby(): VaultPeer[] {
    return [...this.near.values()]
  }

  /** A neighbour was lost: it is neither kept nor nearby until a lookup finds it again. */
  forget(key: string): void {
    this.kept.delete(key)
    this.near.delete(key)
  }

  /** Looks again soon: a neighbour was lost, or a vault joined that may be closer. */
  refreshSoon(): void {
    if (this.stopped || this.refreshing || this.dueAt - Date.now() <= 500) return
    this.schedule(500)
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    clearTimeout(this.timer)
    this.dueAt = Date.now() + ms
    this.timer = setTimeout(() => {
      this.refreshing = this.refresh()
        .catch((err) => this.opts.log?.(`neighbour lookup failed: ${(err as Error).message}`))
        .finally(() => {
          this.refreshing = undefined
          // fewer than half the neighbours (a close group's worth) is a network still being met
          const few = this.kept.size < this.opts.size / 2
          this.schedule(few ? 2_000 : this.opts.refreshMs)
        })
    }, ms)
    this.timer.unref()
  }

  /** One round: find the closest vaults to this node's id, keep them, let the rest go when idle. */
  async refresh(): Promise<void> {
    if (this.peers.size === 0) await this.redialBootstrap()
    const self = this.peers.self
    const found = (await this.router.closestPeers(self.id.toMultihash().bytes)).filter(
      (p) => p.key !== self.key,
    )
    const closest = found.slice(0, this.opts.size)
    if (this.stopped) return
    this.near = new Map(found.map((p) => [p.key, p]))
    const next = new Map(closest.map((p) => [p.key, p]))
    for (const [key, peer] of this.kept)
      if (!next.has(key))
        await this.host.peerStore.merge(peer.id, { tags: { [NEIGHBOUR_TAG]: undefined } }).catch(() => {})
    this.kept = next
    await Promise.all(
      closest.map(async (peer) => {
        await this.host.peerStore
          .merge(peer.id, { tags: { [NEIGHBOUR_TAG]: { value: 100 } } })
          .catch(() => {})
        if (this.host.getConnections(peer.id).length === 0)
          await this.host.dial(peer.id, { signal: AbortSignal.timeout(5_000) }).catch(() => {})
      }),
    )
    await this.closeIdle()
  }

  /**
   * Closes links this node dialled to vaults that are not neighbours, once
   * they carried no stream for a while and the node holds more than its budget.
   */
  private async closeIdle(): Promise<void> {
    const now = Date.now()
    const idleLinks: { conn: Connection; since: number }[] = []
    const seen = new Set<string>()
    const connections = this.host.getConnections()
    for (const conn of connections) {
      const peer = this.peers.get(conn.remotePeer.toString())
      seen.add(conn.id)
      // Only links this node dialled are its to close: a vault that dialled this
      // one keeps its link (it is that vault's neighbour link, or its lookup's).
      // Clients and peers not yet identified keep theirs too.
      if (conn.direction !== 'outbound' || !peer || this.isNeighbour(peer) || !idle(conn)) {
        this.idleSince.delete(conn.id)
        continue
      }
      const since = this.idleSince.get(conn.id) ?? now
      this.idleSince.set(conn.id, since)
      if (now - since >= this.opts.idleMs && now - conn.timeline.open >= this.opts.idleMs)
        idleLinks.push({ conn, since })
    }
    for (const id of this.idleSince.keys()) if (!seen.has(id)) this.idleSince.delete(id)
    const excess = connections.length - this.opts.linkBudget
    if (excess <= 0) return
    idleLinks.sort((a, b) => a.since - b.since)
    await Promise.all(idleLinks.slice(0, excess).map(({ conn }) => conn.close().catch(() => {})))
  }

  /** With no vault connected at all, the bootstrap addresses are dialled again. */
  private async redialBootstrap(): Promise<void> {
    await Promise.all(
      (this.opts.bootstrap ?? []).map((addr) =>
        this.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(5000) }).catch(() => {}),
      ),
    )
  }
}

/**
 * A link carrying no stream but the heartbeat's. Over yamux the heartbeat is
 * a muxer frame, no stream; over QUIC it is a ping stream on every link each
 * interval, and a link counted busy by it would seldom be seen idle.
 */
function idle(conn: Connection): boolean {
  return conn.streams.every((s) => s.protocol === PING_PROTOCOL)
}
