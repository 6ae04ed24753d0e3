// Opened chunks kept for range reads. The kernel reads a file through FUSE
// 128 KiB at a time, so without this every 1 MiB chunk would be fetched,
// hash-checked and decrypted eight times over. Entries are promises: a chunk
// being opened is shared by every read that wants it, and a chunk read ahead
// is in here before anyone asks for it.

interface Entry {
  plain: Promise<Uint8Array>
  bytes: number
}

/** A least-recently-used set of plaintext chunks (or chunks being opened), bounded in bytes. */
export class PlainChunkCache {
  readonly limitBytes: number
  readonly #entries = new Map<string, Entry>()
  #bytes = 0

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes
  }

  /** Bytes held (chunks being opened count at their plaintext size). */
  get sizeBytes(): number {
    return this.#bytes
  }

  has(key: string): boolean {
    return this.#entries.has(key)
  }

  /**
   * The chunk under `key`, opening it with `open` when it is not here. A
   * failed open is forgotten, so the next read tries again.
   */
  get(key: string, bytes: number, open: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.#entries.get(key)
    if (hit) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.#entries.delete(key)
      this.#entries.set(key, hit)
      return hit.plain
    }
    const entry: Entry = { plain: open(), bytes }
    if (bytes > this.limitBytes) return entry.plain
    entry.plain.catch(() => {
      if (this.#entries.get(key) === entry) this.#drop(key, entry)
    })
    this.#entries.set(key, entry)
    this.#bytes += bytes
    for (const [oldest, e] of this.#entries) {
      if (this.#bytes <= this.limitBytes) break
      this.#drop(oldest, e)
    }
    return entry.plain
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
  }
}
