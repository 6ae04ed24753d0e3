// Strikes against peers that send malformed, oversized or silent requests.
// Past the limit a peer is refused for a while and its connections are cut.
export interface PeerScoresOptions {
  limit?: number
  banMs?: number
  now?: () => number
}

export class PeerScores {
  private readonly strikes = new Map<string, number>()
  private readonly bannedUntil = new Map<string, number>()
  private readonly limit: number
  private readonly banMs: number
  private readonly now: () => number

  constructor(opts: PeerScoresOptions = {}) {
    this.limit = opts.limit ?? 5
    this.banMs = opts.banMs ?? 60_000
    this.now = opts.now ?? Date.now
  }

  /** Records a strike; true when this one crosses the limit and the peer is now banned. */
  strike(peer: string): boolean {
    const n = (this.strikes.get(peer) ?? 0) + 1
    this.strikes.set(peer, n)
    if (n < this.limit) return false
    this.strikes.delete(peer)
    this.bannedUntil.set(peer, this.now() + this.banMs)
    return true
  }

  isBanned(peer: string): boolean {
    const until = this.bannedUntil.get(peer)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.bannedUntil.delete(peer)
    return false
  }

  strikesOf(peer: string): number {
    return this.strikes.get(peer) ?? 0
  }
}
