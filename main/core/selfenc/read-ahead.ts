// Sequential-read detection for range reads: a read that starts in the chunk
// where the previous one ended, or the next, is sequential (so are reads up
// to two chunks back: the kernel's parallel read-ahead may arrive a little
// out of order), and each such
// read doubles how many chunks are opened ahead of it, up to a ceiling. Any
// other read starts over with nothing ahead, so random access fetches only
// what it asks for.

export class ReadAhead {
  readonly maxChunks: number
  /** Chunk after the last one read, and chunks to open ahead, per file (per level-0 map). */
  readonly #state = new WeakMap<object, { next: number; ahead: number }>()

  constructor(maxChunks: number) {
    this.maxChunks = maxChunks
  }

  /**
   * Records a read of chunks [first, last) of `file`; returns the chunks to
   * open ahead of it, [last, last + n).
   */
  after(file: object, first: number, last: number): number {
    if (this.maxChunks === 0) return 0
    const s = this.#state.get(file)
    let ahead: number
    let next = last
    if (s ? first >= s.next - 2 && first <= s.next : first === 0) {
      ahead = Math.min(this.maxChunks, Math.max(1, (s?.ahead ?? 0) * 2))
      next = Math.max(last, s?.next ?? 0)
    } else {
      ahead = 0
    }
    this.#state.set(file, { next, ahead })
    return ahead
  }
}
