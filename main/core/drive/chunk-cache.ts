// Chunks in front of the network: a bounded LRU in memory, and under it the
// drive's chunk cache on disk (disk-chunks.ts), so reads of a file fetch only
// the chunks their byte range needs, re-reads are served locally, and kept
// files read with the network gone.
import type { ChunkStore } from '../chunk-store.ts'
import { toHex } from '../chunk-store.ts'
import type { DiskChunks, Tier } from './disk-chunks.ts'

export class ChunkCache implements Pick<ChunkStore, 'get'> {
  private readonly entries = new Map<string, Uint8Array>()
  private bytes = 0
  private readonly inflight = new Map<string, Promise<Uint8Array>>()
  readonly source: Pick<ChunkStore, 'get'>
  readonly limitBytes: number
  /** The on-disk tier, when the drive has one. */
  readonly disk: DiskChunks | undefined
  hits = 0
  misses = 0
  /** Misses in memory that the disk answered. */
  diskHits = 0

  constructor(source: Pick<ChunkStore, 'get'>, limitBytes: number, disk?: DiskChunks) {
    this.source = source
    this.limitBytes = limitBytes
    this.disk = disk
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
    const fetching = this.load(key, address, 'recent').then(
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

  /**
   * Makes sure a chunk is on disk in `tier` (fetching it if it is not), without
   * putting it in memory: keeping a large folder must not flush what is being read.
   */
  async store(address: Uint8Array, tier: Tier): Promise<void> {
    const disk = this.disk
    if (!disk) return
    const key = toHex(address)
    if (disk.tierOf(key) && (await disk.setTier(key, tier))) return
    await this.load(key, address, tier)
  }

  /** Forgets a chunk in memory (the disk tier is the caller's). */
  forget(address: Uint8Array | string): void {
    const key = typeof address === 'string' ? address : toHex(address)
    const bytes = this.entries.get(key)
    if (!bytes) return
    this.entries.delete(key)
    this.bytes -= bytes.byteLength
  }

  get sizeBytes(): number {
    return this.bytes
  }

  private async load(key: string, address: Uint8Array, tier: Tier): Promise<Uint8Array> {
    const local = await this.disk?.read(key, address)
    if (local) {
      this.diskHits++
      if (tier === 'kept') await this.disk!.setTier(key, 'kept')
      return local
    }
    const bytes = await this.source.get(address)
    // a full or failing disk costs the cache, never the read
    await this.disk?.write(key, bytes, tier).catch(() => {})
    return bytes
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
