// What this vault's audits found other vaults holding. Each audit asks the
// other members of every held chunk's close group whether they hold it; the
// tally adds up, per vault, the bytes of those it said it holds, over one whole
// audit, and keeps the last whole audit's sums. A vault's neighbours back its
// account in proportion to them (farming/balance-group.ts): storage is earned by
// holding what the network placed on a vault, not by being online. A vault that
// says it holds what it does not is caught by the storage proofs its
// neighbours run on the same chunks, and then backed by nobody.
export class HoldingsTally {
  #pass: Map<string, number> | undefined
  #last = new Map<string, number>()

  /** An audit starts: what it confirms is counted afresh. */
  begin(): void {
    this.#pass = new Map()
  }

  /** `holders` said they hold a chunk of `bytes` held here too; outside an audit it is not counted. */
  add(holders: readonly string[], bytes: number): void {
    const pass = this.#pass
    if (!pass) return
    for (const peer of holders) pass.set(peer, (pass.get(peer) ?? 0) + bytes)
  }

  /** The audit went through every held chunk: its sums replace the last audit's. */
  end(): void {
    if (this.#pass) this.#last = this.#pass
    this.#pass = undefined
  }

  /** The audit stopped part way: the last whole audit's sums stand. */
  abandon(): void {
    this.#pass = undefined
  }

  /** Bytes held here that `peer` also held, by the last whole audit. */
  heldBy(peer: string): number {
    return this.#last.get(peer) ?? 0
  }
}
