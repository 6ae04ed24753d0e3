// Which vaults this node still trusts. A vault that answers a storage proof
// wrongly is distrusted at once. One that says "missing" or does not answer
// is distrusted only when that happens in consecutive rounds: a vault that
// just joined a group may not have been repaired to yet, and a loaded machine
// can be slow. Distrusted vaults get no new data, their chunks are repaired
// elsewhere, and their claims are not countersigned.
export type Verdict = 'pass' | 'neutral' | 'wrong' | 'missing' | 'timeout'

export class TrustTable {
  readonly #misses = new Map<string, number>()
  readonly #distrusted = new Map<string, string>()
  readonly #listeners: ((peer: string, why: string) => void)[] = []
  /** Consecutive missed or unanswered challenges that cost a vault its trust. */
  readonly missLimit: number

  constructor(opts: { missLimit?: number } = {}) {
    this.missLimit = opts.missLimit ?? 2
  }

  record(peer: string, verdict: Verdict): void {
    if (verdict === 'neutral') return
    if (verdict === 'pass') {
      this.#misses.delete(peer)
      return
    }
    if (verdict === 'wrong') {
      this.distrust(peer, 'answered a storage proof wrongly')
      return
    }
    const n = (this.#misses.get(peer) ?? 0) + 1
    this.#misses.set(peer, n)
    if (n >= this.missLimit)
      this.distrust(
        peer,
        `${n} storage proofs in a row ${verdict === 'missing' ? 'missing the chunk' : 'unanswered'}`,
      )
  }

  distrust(peer: string, why: string): void {
    if (this.#distrusted.has(peer)) return
    this.#distrusted.set(peer, why)
    for (const l of this.#listeners) l(peer, why)
  }

  isTrusted(peer: string): boolean {
    return !this.#distrusted.has(peer)
  }

  distrusted(): { peer: string; why: string }[] {
    return [...this.#distrusted].map(([peer, why]) => ({ peer, why }))
  }

  onDistrust(listener: (peer: string, why: string) => void): void {
    this.#listeners.push(listener)
  }
}
