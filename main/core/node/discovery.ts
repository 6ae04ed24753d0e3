// How a vault node meets the others: it serves the vaults it knows, asks each
// vault that joins for the ones it knows, and now and then asks a known vault
// again (or the bootstrap addresses, when it knows none).
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import type { Host } from '../net/host.ts'
import { fetchPeerList, servePeerList } from '../net/peer-exchange.ts'
import type { PeerTable } from '../net/peer-table.ts'

export interface PeerDiscoveryOptions {
  bootstrap?: string[]
  /** Below this many known vaults (a close group and this node) the exchange runs often. */
  replicas: number
}

export class PeerDiscovery {
  private readonly host: Host
  private readonly peers: PeerTable
  private readonly opts: PeerDiscoveryOptions
  private exchangeTimer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(host: Host, peers: PeerTable, opts: PeerDiscoveryOptions) {
    this.host = host
    this.peers = peers
    this.opts = opts
  }

  /** Answers other vaults' peer-list requests. */
  async serve(): Promise<void> {
    await servePeerList(this.host, this.peers)
  }

  /** Learns from every vault that joins, and starts the periodic exchange. */
  start(): void {
    this.peers.onJoined((peer) => void this.learnPeersFrom(peer.id))
    this.scheduleExchange()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.exchangeTimer)
  }

  /**
   * Asks a known vault now and then for the vaults it knows: a peer list that
   * failed at join (a busy peer, a stream cut short) and a vault dropped by a
   * slow heartbeat are found again. Often while this node knows fewer vaults
   * than a close group needs, rarely once it does.
   */
  private scheduleExchange(): void {
    if (this.stopped) return
    const few = this.peers.size < this.opts.replicas + 1
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
}
