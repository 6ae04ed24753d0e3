// How a node finds the vaults closest to a key without knowing every vault.
// A Router answers "which vaults are closest to this key?"; the node's own
// one (KadRouter) asks kad-dht's iterative closest-peer lookup, adds the
// vaults it is connected to anyway, and remembers the answer for a few
// seconds, so a burst of chunks of one file costs one lookup per chunk and
// not one per request. KnownRouter ranks a given list: the in-memory twin
// for unit tests and for callers that know every vault.
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { closestFirst, kadKey } from '../placement/index.ts'
import { CHUNK_PROTOCOL } from './chunk-protocol.ts'
import type { Host } from './host.ts'
import { hasIdWork } from './id-work.ts'
import { vaultPeer } from './vault-peer.ts'
import type { VaultPeer } from './vault-peer.ts'

export interface Router {
  /**
   * The vaults closest to `key` (a chunk, record or coin address, or a peer
   * id's multihash: it is placed at SHA-256 of it, as kad-dht places keys),
   * closest first, at most `count`. This node is among them when it is a
   * vault and close enough. Members that turn out full or unreachable are
   * the caller's to pass over: the close group is the R closest that accept.
   */
  closestPeers(key: Uint8Array, count?: number): Promise<VaultPeer[]>
}

/** Ranks a list the caller provides: every vault the caller knows. */
export class KnownRouter implements Router {
  private readonly peers: () => Iterable<VaultPeer>

  constructor(peers: () => Iterable<VaultPeer>) {
    this.peers = peers
  }

  async closestPeers(key: Uint8Array, count = Infinity): Promise<VaultPeer[]> {
    return closestFirst(kadKey(key), this.peers()).slice(0, count)
  }
}

/** What one lookup cost: the rounds it took to reach the group, and the peers it asked. */
export interface LookupStats {
  hops: number
  contacted: number
}

export interface KadRouterOptions {
  /** How long a lookup's answer is reused for the same key. */
  ttlMs?: number
  /** A lookup that takes longer ends with what it found so far. */
  lookupTimeoutMs?: number
  /** How many group members a lookup's hop count is measured to (R). */
  replicas?: number
  /** Told of every lookup (for measurements). */
  onLookup?: (stats: LookupStats) => void
  /** The work a peer id must carry to count as a vault (id-work.ts); default 0. */
  idWorkBits?: number
}

interface Cached {
  peers: VaultPeer[]
  at: number
}

/** Entries beyond this are dropped oldest first: a cache, not a copy of the network. */
const MAX_CACHED = 4096

export class KadRouter implements Router {
  private readonly host: Host
  private readonly known: () => VaultPeer[]
  private readonly self: VaultPeer | undefined
  private readonly opts: Required<Omit<KadRouterOptions, 'onLookup'>> & Pick<KadRouterOptions, 'onLookup'>
  private readonly cache = new Map<string, Cached>()
  /** Lookups under way, so concurrent requests for one key share one. */
  private readonly running = new Map<string, Promise<VaultPeer[]>>()

  /**
   * `known` lists the vaults this node is connected to (always candidates:
   * no lookup is needed to rank them); `self` is this node when it is a vault.
   */
  constructor(
    host: Host,
    known: () => VaultPeer[],
    self: VaultPeer | undefined,
    opts: KadRouterOptions = {},
  ) {
    this.host = host
    this.known = known
    this.self = self
    // an option passed as undefined means its default too
    this.opts = {
      ttlMs: opts.ttlMs ?? 5_000,
      lookupTimeoutMs: opts.lookupTimeoutMs ?? 5_000,
      replicas: opts.replicas ?? 4,
      idWorkBits: opts.idWorkBits ?? 0,
      onLookup: opts.onLookup,
    }
  }

  async closestPeers(key: Uint8Array, count = Infinity): Promise<VaultPeer[]> {
    const found = await this.found(key)
    const pool = new Map<string, VaultPeer>()
    for (const p of found) pool.set(p.key, p)
    for (const p of this.known()) pool.set(p.key, p)
    if (this.self) pool.set(this.self.key, this.self)
    return closestFirst(kadKey(key), pool.values()).slice(0, count)
  }

  /** Forgets the cached answer for `key`: the group it named refused or did not have what was asked. */
  forgetKey(key: Uint8Array): void {
    this.cache.delete(Buffer.from(key).toString('hex'))
  }

  /** Forgets every cached answer that names `peerKey` (a vault that was lost). */
  forget(peerKey: string): void {
    for (const [key, entry] of this.cache)
      if (entry.peers.some((p) => p.key === peerKey)) this.cache.delete(key)
  }

  private found(key: Uint8Array): Promise<VaultPeer[]> {
    const hex = Buffer.from(key).toString('hex')
    const cached = this.cache.get(hex)
    if (cached && Date.now() - cached.at < this.opts.ttlMs) return Promise.resolve(cached.peers)
    const running = this.running.get(hex)
    if (running) return running
    const lookup = this.lookup(key)
      .then((peers) => {
        this.cache.delete(hex)
        this.cache.set(hex, { peers, at: Date.now() })
        if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!)
        return peers
      })
      .finally(() => this.running.delete(hex))
    this.running.set(hex, lookup)
    return lookup
  }

  /**
   * kad-dht's iterative lookup: ask the closest peers of the routing table for
   * closer ones, and those in turn, until no closer peer turns up. Only peers
   * that answered are returned, and of those only vaults. With an empty
   * routing table there is nobody to ask (kad-dht would wait for one).
   */
  private async lookup(key: Uint8Array): Promise<VaultPeer[]> {
    const dht = this.host.services.dht
    // Connected to at least as many vaults as the routing table holds (a small
    // network, where everyone is a neighbour): the connected vaults are ranked
    // anyway, and a lookup would only ask them again.
    if (dht.routingTable.size === 0 || dht.routingTable.size <= this.known().length) return []
    const depth = new Map<string, number>()
    const addrs = new Map<string, Multiaddr[]>()
    const contacted = new Set<string>()
    const final: PeerId[] = []
    const responders: PeerId[] = []
    const abort = new AbortController()
    const events = dht.getClosestPeers(key, { signal: abort.signal })[Symbol.asyncIterator]()
    const deadline = Date.now() + this.opts.lookupTimeoutMs
    let complete = false
    try {
      // Not `for await`: leaving one waits for the query's dials to wind down,
      // and a lookup past its deadline must answer now with what it has.
      for (;;) {
        const left = deadline - Date.now()
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), Math.max(0, left))
        })
        const next = await Promise.race([events.next(), late]).finally(() => clearTimeout(timer))
        if (next === undefined) break
        if (next.done) {
          complete = true
          break
        }
        const event = next.value
        if (event.name === 'PEER_RESPONSE') {
          responders.push(event.from)
          const from = event.from.toString()
          contacted.add(from)
          const d = depth.get(from) ?? 0
          depth.set(from, d)
          for (const c of event.closer) {
            const key = c.id.toString()
            if (!depth.has(key)) depth.set(key, d + 1)
            if (c.multiaddrs.length > 0) addrs.set(key, c.multiaddrs)
          }
        } else if (event.name === 'FINAL_PEER') final.push(event.peer.id)
      }
    } catch {
      // a lookup cut short (shutdown, a failing query) gives what it found
    }
    if (!complete) {
      abort.abort()
      void events.return?.().catch(() => {})
    }
    const vaults: VaultPeer[] = []
    // a lookup cut short never named its final peers: those that answered are alive, and close
    for (const id of complete ? final : responders) {
      if (!(await this.isVault(id))) continue
      // the lookup's answers carry addresses; requests to the group dial by peer id
      const known = addrs.get(id.toString())
      if (known) await this.host.peerStore.merge(id, { multiaddrs: known }).catch(() => {})
      vaults.push(vaultPeer(id))
    }
    if (this.opts.onLookup) {
      const group = closestFirst(kadKey(key), vaults).slice(0, this.opts.replicas)
      // a member known before the lookup (depth 0) took one round to confirm
      const hops = 1 + Math.max(0, ...group.map((p) => depth.get(p.key) ?? 0))
      this.opts.onLookup({ hops, contacted: contacted.size })
    }
    return vaults
  }

  /**
   * A peer whose id carries the network's work and that serves chunks, or
   * one whose protocols identify has not told yet (a failing request passes it over).
   */
  private async isVault(id: PeerId): Promise<boolean> {
    if (id.equals(this.host.peerId) || !hasIdWork(id, this.opts.idWorkBits)) return false
    try {
      const { protocols } = await this.host.peerStore.get(id)
      return protocols.length === 0 || protocols.includes(CHUNK_PROTOCOL)
    } catch {
      return true
    }
  }
}

/** The peers a store places on: what it knows, and a router for keys beyond that. */
export interface RoutedPeers {
  /** The vaults this node is connected to, itself included when it is a vault. */
  withSelf(): VaultPeer[]
  /** When present, how the closest vaults to a key are found (otherwise `withSelf()` is ranked). */
  closest?: (key: Uint8Array, count?: number) => Promise<VaultPeer[]>
  /** Drops what the router remembers of `key`'s group, so that the next call looks it up again. */
  relook?: (key: Uint8Array) => void
}

/** The vaults closest to `address`, closest first, through the router when there is one. */
export function closestTo(peers: RoutedPeers, address: Uint8Array, count = Infinity): Promise<VaultPeer[]> {
  if (peers.closest) return peers.closest(address, count)
  return Promise.resolve(closestFirst(kadKey(address), peers.withSelf()).slice(0, count))
}
