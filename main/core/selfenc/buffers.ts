// Chunk-sized scratch buffers reused within one operation. Every chunk moved
// to a worker needs a buffer of its own; a fresh 1 MiB allocation costs page
// faults and garbage collection on the orchestrating thread, which on a small
// machine competes with the workers for the same cores.

export class BufferRecycler {
  readonly capacity: number
  readonly #max: number
  readonly #free: ArrayBuffer[] = []

  /** Keeps at most `max` spare buffers of exactly `capacity` bytes. */
  constructor(capacity: number, max: number) {
    this.capacity = capacity
    this.#max = max
  }

  /**
   * A view of `length` bytes at offset 0 of a buffer the caller now owns
   * whole. Lengths near the capacity reuse a spare buffer; others get their
   * own exactly-sized buffer (so a tiny view never pins a large one).
   */
  take(length: number): Uint8Array {
    if (length <= this.capacity && length * 2 >= this.capacity) {
      return new Uint8Array(this.#free.pop() ?? new ArrayBuffer(this.capacity), 0, length)
    }
    return new Uint8Array(length)
  }

  /** Returns a buffer no longer referenced anywhere; kept if it is reusable. */
  give(buf: ArrayBuffer): void {
    if (buf.byteLength === this.capacity && !buf.detached && this.#free.length < this.#max)
      this.#free.push(buf)
  }
}
