// The live vault peers this node knows, with their place in the key space.
// A peer joins the table when identify shows it serves chunks (and its id
// carries the work the network asks, id-work.ts), and leaves it
// the moment its last connection closes — a killed process closes at once,
// a frozen or cut-off one when the heartbeat (liveness.ts) gives up on it.
import type { PeerId } from '@libp2p/interface'
import { CHUNK_PROTOCOL } from './chunk-protocol.ts'
import type { Host } from './host.ts'
import { hasIdWork } from './id-work.ts'
import { vaultPeer } from './vault-peer.ts'
import type { VaultPeer } from './vault-peer.ts'

export { vaultPeer }
export type { VaultPeer }

export type JoinedListener = (peer: VaultPeer) => void
/** `at` is the wall-clock time (ms) the loss was noticed. */
export type LostListener = (peer: VaultPeer, at: number) => void

export class PeerTable {
  private readonly peers = new Map<string, VaultPeer>()
  private readonly joinedListeners: JoinedListener[] = []
  private readonly lostListeners: LostListener[] = []
  readonly self: VaultPeer
  private readonly host: Host

  /** Whether this node is itself a vault (a client only stores on others). */
  readonly selfIsVault: boolean

  /** The work a peer id must carry to count as a vault. */
  readonly idWorkBits: number

  constructor(host: Host, opts: { selfIsVault?: boolean; idWorkBits?: number } = {}) {
    this.host = host
    this.selfIsVault = opts.selfIsVault ?? true
    this.idWorkBits = opts.idWorkBits ?? 0
    this.self = vaultPeer(host.peerId)
    host.addEventListener('peer:identify', (e) => {
      if (e.detail.protocols.includes(CHUNK_PROTOCOL)) this.add(e.detail.peerId)
    })
    host.addEventListener('peer:disconnect', (e) => this.remove(e.detail))
  }

  add(id: PeerId): void {
    const key = id.toString()
    if (this.peers.has(key) || key === this.self.key || !hasIdWork(id, this.idWorkBits)) return
    const peer = vaultPeer(id)
    this.peers.set(key, peer)
    for (const listener of this.joinedListeners) listener(peer)
  }

  remove(id: PeerId): void {
    const peer = this.peers.get(id.toString())
    if (!peer) return
    this.peers.delete(peer.key)
    const at = Date.now()
    for (const listener of this.lostListeners) listener(peer, at)
  }

  onJoined(listener: JoinedListener): void {
    this.joinedListeners.push(listener)
  }

  onLost(listener: LostListener): void {
    this.lostListeners.push(listener)
  }

  /** Live vault peers, not counting this node. */
  list(): VaultPeer[] {
    return [...this.peers.values()]
  }

  /** Live vault peers and this node (when it is a vault). */
  withSelf(): VaultPeer[] {
    const peers = [...this.peers.values()]
    if (this.selfIsVault) peers.push(this.self)
    return peers
  }

  get size(): number {
    return this.peers.size
  }

  has(key: string): boolean {
    return this.peers.has(key)
  }

  get(key: string): VaultPeer | undefined {
    return this.peers.get(key)
  }

  get hostPeerCount(): number {
    return this.host.getPeers().length
  }
}
