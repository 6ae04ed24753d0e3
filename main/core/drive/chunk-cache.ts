// A bounded LRU of chunks in front of the network: reads of a file fetch only
// the chunks their byte range needs, and re-reads are served from memory.
import type { ChunkStore } from '../chunk-store.ts'
import { toHex } from '../chunk-store.ts'

export class ChunkCache implements Pick<ChunkStore, 'get'> {
  private readonly entries = new Map<string, Uint8Array>()
  private bytes = 0
  private readonly inflight = new Map<string, Promise<Uint8Array>>()
  private readonly source: Pick<ChunkStore, 'get'>
  readonly limitBytes: number
  hits = 0
  misses = 0

  constructor(source: Pick<ChunkStore, 'get'>, limitBytes: number) {
    this.source = source
    this.limitBytes = limitBytes
  }

  async get(address: Uint8Array): Promise<Uint8Array> {
    const key = toHex(address)
    const cached = this.entries.get(key)
    if (cached) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(key)
      this.entries.set(key, cached)
      this.hits++
      return cached
    }
    const pending = this.inflight.get(key)
    if (pending) return pending
    this.misses++
    const fetching = this.source.get(address).then(
      (bytes) => {
        this.inflight.delete(key)
        this.remember(key, bytes)
        return bytes
      },
      (err: unknown) => {
        this.inflight.delete(key)
        throw err
      },
    )
    this.inflight.set(key, fetching)
    return fetching
  }

  get sizeBytes(): number {
    return this.bytes
  }

  private remember(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.limitBytes) return
    this.entries.set(key, bytes)
    this.bytes += bytes.byteLength
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= this.limitBytes) break
      this.entries.delete(oldest)
      this.bytes -= value.byteLength
    }
  }
}
