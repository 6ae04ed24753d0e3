// Whether the network can reach this node, decided from what libp2p knows:
// the addresses AutoNAT (or UPnP-NAT) verified, the relays this node holds
// reservations on, and the peers it is connected to. The node serves as a
// vault only when it is reachable (docs/NETWORK.md, "Reachability").
import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import { Circuit, IP } from '@multiformats/multiaddr-matcher'
import type { Host } from './host.ts'

/**
 * - `local`: listens on loopback only, or every peer is on a private network
 *   (one machine, a LAN): every peer of its network can dial it.
 * - `public`: AutoNAT verified one of its public addresses.
 * - `private`: it meets peers on the internet, but none could dial it back in time.
 * - `unknown`: not decided yet.
 */
export type Reachability = 'local' | 'public' | 'private' | 'unknown'

export interface NetworkReport {
  reachability: Reachability
  /** True while this node stores nothing for others and keeps out of close groups. */
  client_only: boolean
  /** Peer ids of the relays this node holds a reservation on. */
  relayed_via: string[]
  /** The addresses this node announces (verified or relayed). */
  addresses: string[]
}

export interface ReachabilityOptions {
  /** False for a loopback-only host: it is `local` from the start and never changes. */
  network: boolean
  /** How long a node on the internet waits for AutoNAT before it calls itself private. */
  decideAfterMs?: number
  /** How often the state is looked at again (it is also looked at on every address change). */
  checkEveryMs?: number
  onChange?: (state: Reachability) => void
}

export const DEFAULT_DECIDE_AFTER_MS = 60_000

/** The reachability a node's addresses and connections show; pure, for the watch and its tests. */
export function judgeReachability(view: {
  network: boolean
  announced: Multiaddr[]
  /** Remote addresses of the direct (not relayed) connections. */
  direct: Multiaddr[]
  /** When a direct connection to an internet peer was first seen; undefined if never. */
  internetSince: number | undefined
  /** When a direct connection to a private-network peer was first seen. */
  lanSince: number | undefined
  now: number
  decideAfterMs: number
}): Reachability {
  if (!view.network) return 'local'
  if (view.announced.some(isPublicDirect)) return 'public'
  if (view.internetSince !== undefined)
    return view.now - view.internetSince >= view.decideAfterMs ? 'private' : 'unknown'
  // only private-network peers so far: a LAN network, where every node can dial every other
  if (view.lanSince !== undefined && view.now - view.lanSince >= view.decideAfterMs) return 'local'
  return 'unknown'
}

/** Whether a node in this state keeps out of close groups and stores nothing for others. */
export function isClientOnly(state: Reachability): boolean {
  return state === 'private' || state === 'unknown'
}

function isPublicDirect(ma: Multiaddr): boolean {
  return IP.matches(ma) && !Circuit.matches(ma) && !isPrivate(ma)
}

function isInternetPeer(ma: Multiaddr): boolean {
  return isPublicDirect(ma)
}

/** The relay peer id in a `/…/p2p/<relay>/p2p-circuit/…` address. */
function relayOf(ma: Multiaddr): string | undefined {
  const parts = ma.getComponents()
  const circuit = parts.findIndex((c) => c.name === 'p2p-circuit')
  if (circuit < 1) return undefined
  const relay = parts[circuit - 1]
  return relay?.name === 'p2p' ? relay.value : undefined
}

export class ReachabilityWatch {
  private readonly host: Host
  private readonly opts: ReachabilityOptions
  private current: Reachability
  private internetSince: number | undefined
  private lanSince: number | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly onAddresses = () => this.check()

  constructor(host: Host, opts: ReachabilityOptions) {
    this.host = host
    this.opts = opts
    this.current = opts.network ? 'unknown' : 'local'
  }

  get state(): Reachability {
    return this.current
  }

  start(): void {
    if (!this.opts.network) return
    this.host.addEventListener('self:peer:update', this.onAddresses)
    this.host.addEventListener('connection:open', this.onAddresses)
    this.timer = setInterval(() => this.check(), this.opts.checkEveryMs ?? 1000)
    this.timer.unref()
    this.check()
  }

  stop(): void {
    clearInterval(this.timer)
    this.host.removeEventListener('self:peer:update', this.onAddresses)
    this.host.removeEventListener('connection:open', this.onAddresses)
  }

  report(): NetworkReport {
    const announced = this.host.getMultiaddrs()
    const relays = new Set<string>()
    for (const ma of announced) {
      const relay = relayOf(ma)
      if (relay) relays.add(relay)
    }
    return {
      reachability: this.current,
      client_only: isClientOnly(this.current),
      relayed_via: [...relays],
      addresses: announced.map((ma) => ma.toString()),
    }
  }

  private check(): void {
    const now = Date.now()
    const direct = this.host
      .getConnections()
      .filter((c) => !Circuit.matches(c.remoteAddr))
      .map((c) => c.remoteAddr)
    if (this.internetSince === undefined && direct.some(isInternetPeer)) this.internetSince = now
    if (this.lanSince === undefined && direct.some((ma) => IP.matches(ma) && isPrivate(ma)))
      this.lanSince = now
    const next = judgeReachability({
      network: this.opts.network,
      announced: this.host.getMultiaddrs(),
      direct,
      internetSince: this.internetSince,
      lanSince: this.lanSince,
      now,
      decideAfterMs: this.opts.decideAfterMs ?? DEFAULT_DECIDE_AFTER_MS,
    })
    if (next === this.current) return
    this.current = next
    this.opts.onChange?.(next)
  }
}
