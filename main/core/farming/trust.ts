// Which vaults this node still trusts. A vault that answers a storage proof
// wrongly is distrusted at once. One that says "missing" or does not answer
// is distrusted only when that happens in consecutive rounds: a vault that
// just joined a group may not have been repaired to yet, and a loaded machine
// can be slow. Distrusted vaults get no new data, their chunks are repaired
// elsewhere, and their claims are not countersigned.
export type Verdict = 'pass' | 'neutral' | 'wrong' | 'missing' | 'timeout'

export class TrustTable {
  readonly #timeouts = new Map<string, number>()
  readonly #distrusted = new Map<string, string>()
  readonly #listeners: ((peer: string, why: string) => void)[] = []
  /** Consecutive unanswered challenges that cost a vault its trust. */
  readonly timeoutLimit: number

  constructor(opts: { timeoutLimit?: number } = {}) {
    this.timeoutLimit = opts.timeoutLimit ?? 2
  }

  record(peer: string, verdict: Verdict): void {
    if (verdict === 'pass') {
      this.#timeouts.delete(peer)
      return
    }
    if (verdict === 'timeout') {
      const n = (this.#timeouts.get(peer) ?? 0) + 1
      this.#timeouts.set(peer, n)
      if (n >= this.timeoutLimit) this.distrust(peer, `${n} storage proofs unanswered`)
      return
    }
    this.distrust(
      peer,
      verdict === 'missing' ? 'said a chunk it must hold is missing' : 'answered a storage proof wrongly',
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
