// Which vaults this node still trusts. A vault that answers a storage proof
// wrongly is distrusted at once. One that says "missing", refuses, or does not
// answer is distrusted only when that happens in consecutive rounds: a vault
// that just joined a group may not have been repaired to yet, and a loaded
// machine can be slow. "Vault full" is an honest answer for a chunk the vault
// declined, so it costs nothing at first; but a vault that is full for every
// challenge in a row holds nothing its place asks of it, and past `fullLimit`
// such answers each further one counts as a miss. Distrusted vaults get no new
// data, their chunks are repaired elsewhere, and their claims are not
// countersigned. Judgements are kept in farm.db, so a restart forgets nothing.
export type Verdict = 'pass' | 'neutral' | 'wrong' | 'missing' | 'timeout' | 'refused' | 'full'

/** Where judgements are kept between runs (farm.db). */
export interface TrustStore {
  trustRows(): { peer: string; misses: number; full: number; why: string | null }[]
  saveTrust(peer: string, misses: number, full: number, why: string | null): void
}

const MISSED: Record<'missing' | 'timeout' | 'refused' | 'full', string> = {
  missing: 'missing the chunk',
  timeout: 'unanswered',
  refused: 'refused',
  full: 'answered "vault full" (holding nothing its place asks)',
}

export class TrustTable {
  readonly #misses = new Map<string, number>()
  readonly #full = new Map<string, number>()
  readonly #distrusted = new Map<string, string>()
  readonly #listeners: ((peer: string, why: string) => void)[] = []
  readonly #store: TrustStore | undefined
  /** Consecutive missed, refused or unanswered challenges that cost a vault its trust. */
  readonly missLimit: number
  /** Consecutive "vault full" answers taken as honest before they count as misses. */
  readonly fullLimit: number

  constructor(opts: { missLimit?: number; fullLimit?: number; store?: TrustStore } = {}) {
    this.missLimit = opts.missLimit ?? 2
    this.fullLimit = opts.fullLimit ?? 4
    this.#store = opts.store
    for (const row of this.#store?.trustRows() ?? []) {
      if (row.why !== null) this.#distrusted.set(row.peer, row.why)
      if (row.misses > 0) this.#misses.set(row.peer, row.misses)
      if (row.full > 0) this.#full.set(row.peer, row.full)
    }
  }

  record(peer: string, verdict: Verdict): void {
    if (verdict === 'neutral') return
    if (verdict === 'pass') {
      if (!this.#misses.has(peer) && !this.#full.has(peer)) return
      this.#misses.delete(peer)
      this.#full.delete(peer)
      this.#save(peer)
      return
    }
    if (verdict === 'wrong') {
      this.distrust(peer, 'answered a storage proof wrongly')
      return
    }
    if (verdict === 'full') {
      const full = (this.#full.get(peer) ?? 0) + 1
      this.#full.set(peer, full)
      if (full <= this.fullLimit) return this.#save(peer)
    }
    const n = (this.#misses.get(peer) ?? 0) + 1
    this.#misses.set(peer, n)
    this.#save(peer)
    if (n >= this.missLimit) this.distrust(peer, `${n} storage proofs in a row ${MISSED[verdict]}`)
  }

  distrust(peer: string, why: string): void {
    if (this.#distrusted.has(peer)) return
    this.#distrusted.set(peer, why)
    this.#save(peer)
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

  #save(peer: string): void {
    this.#store?.saveTrust(
      peer,
      this.#misses.get(peer) ?? 0,
      this.#full.get(peer) ?? 0,
      this.#distrusted.get(peer) ?? null,
    )
  }
}
