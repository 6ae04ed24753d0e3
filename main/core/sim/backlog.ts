// The chunks each simulated vault has to repair while all its lanes are busy:
// a queue per vault, oldest first, each chunk at most once per vault (as a
// Repairer's audit walks each held chunk once). Nothing is decided when a chunk
// is queued: it is checked afresh when a lane takes it, so a backlog holds no
// transfers, only chunk ids, and is bounded by the chunks a vault holds.

export class Backlog {
  private readonly queues: (number[] | undefined)[]
  private readonly heads: Int32Array
  private readonly waiting = new Set<number>()
  private readonly chunks: number

  constructor(vaults: number, chunks: number) {
    this.queues = new Array<number[] | undefined>(vaults)
    this.heads = new Int32Array(vaults)
    this.chunks = chunks
  }

  /** Chunks waiting in every vault's backlog. */
  get size(): number {
    return this.waiting.size
  }

  /** Queues `chunk` on `vault`; false when it is already waiting there. */
  push(vault: number, chunk: number): boolean {
    const key = vault * this.chunks + chunk
    if (this.waiting.has(key)) return false
    this.waiting.add(key)
    ;(this.queues[vault] ??= []).push(chunk)
    return true
  }

  /** The oldest chunk waiting on `vault`, taken off its queue; -1 when none. */
  shift(vault: number): number {
    const queue = this.queues[vault]
    if (!queue) return -1
    const head = this.heads[vault]!
    const chunk = queue[head]!
    this.waiting.delete(vault * this.chunks + chunk)
    if (head + 1 === queue.length) {
      this.queues[vault] = undefined
      this.heads[vault] = 0
    } else if (head >= 1024 && 2 * head >= queue.length) {
      // drop the taken front once it is half the array, so a long queue does not keep its past
      queue.splice(0, head + 1)
      this.heads[vault] = 0
    } else this.heads[vault] = head + 1
    return chunk
  }

  /** Forgets everything waiting on `vault` (its process stopped). */
  clear(vault: number): void {
    const queue = this.queues[vault]
    if (!queue) return
    for (let i = this.heads[vault]!; i < queue.length; i++)
      this.waiting.delete(vault * this.chunks + queue[i]!)
    this.queues[vault] = undefined
    this.heads[vault] = 0
  }
}
