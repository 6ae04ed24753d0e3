// The drive's chunk cache on disk: ciphertext chunks, exactly as the network
// stores them, one file each under the drive's private directory. `kept/`
// holds the chunks of files kept on this device and is never evicted;
// `recent/` holds chunks read lately and is trimmed, least recently used
// first, to a size limit that may change at any time.
import { chmod, mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chunkAddress, sameBytes } from '../chunk-store.ts'

export type Tier = 'kept' | 'recent'

export interface DiskChunkUsage {
  kept_bytes: number
  kept_chunks: number
  cached_bytes: number
  cached_chunks: number
  limit_bytes: number
}

const HEX_ADDRESS = /^[0-9a-f]{64}$/

export class DiskChunks {
  readonly dir: string
  private readonly limit: () => number
  private readonly log: (line: string) => void
  /** Chunk sizes by address; `recent`'s order is least recently used first. */
  private readonly kept = new Map<string, number>()
  private readonly recent = new Map<string, number>()
  private keptBytes = 0
  private broken = false
  private recentBytes = 0
  /** Moves, writes and removals one at a time, so a chunk is never in two tiers or half written. */
  private chain: Promise<unknown> = Promise.resolve()
  readonly ready: Promise<void>

  constructor(dir: string, limitBytes: () => number, log: (line: string) => void = () => {}) {
    this.dir = dir
    this.limit = limitBytes
    this.log = log
    // a cache that cannot start leaves every read to the network
    this.ready = this.load().catch((err: Error) => {
      this.broken = true
      log(`the disk cache at ${dir} is not usable: ${err.message}`)
    })
  }

  private async load(): Promise<void> {
    for (const tier of ['kept', 'recent'] as const) {
      await mkdir(join(this.dir, tier), { recursive: true, mode: 0o700 })
      await chmod(join(this.dir, tier), 0o700)
    }
    await chmod(this.dir, 0o700)
    for (const tier of ['kept', 'recent'] as const) {
      const found: { hex: string; size: number; used: number }[] = []
      for (const name of await readdir(join(this.dir, tier))) {
        const path = join(this.dir, tier, name)
        // a write cut short by a crash leaves a .tmp file behind
        if (!HEX_ADDRESS.test(name)) {
          await rm(path, { force: true })
          continue
        }
        const s = await stat(path).catch(() => undefined)
        if (s) found.push({ hex: name, size: s.size, used: s.mtimeMs })
      }
      found.sort((a, b) => a.used - b.used)
      for (const f of found) this.add(tier, f.hex, f.size)
    }
    await this.evict()
  }

  private path(tier: Tier, hex: string): string {
    return join(this.dir, tier, hex)
  }

  private add(tier: Tier, hex: string, size: number): void {
    if (tier === 'kept') {
      this.kept.set(hex, size)
      this.keptBytes += size
    } else {
      this.recent.set(hex, size)
      this.recentBytes += size
    }
  }

  private drop(tier: Tier, hex: string): void {
    const map = tier === 'kept' ? this.kept : this.recent
    const size = map.get(hex)
    if (size === undefined) return
    map.delete(hex)
    if (tier === 'kept') this.keptBytes -= size
    else this.recentBytes -= size
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => this.ready).then(work)
    this.chain = run.catch(() => {})
    return run
  }

  tierOf(hex: string): Tier | undefined {
    return this.kept.has(hex) ? 'kept' : this.recent.has(hex) ? 'recent' : undefined
  }

  /** The chunk's bytes, checked against its address; undefined when it is not here (or was damaged, and is gone now). */
  async read(hex: string, address: Uint8Array): Promise<Uint8Array | undefined> {
    await this.ready
    const tier = this.tierOf(hex)
    if (!tier) return undefined
    const bytes = await readFile(this.path(tier, hex)).catch(() => undefined)
    if (!bytes || !sameBytes(chunkAddress(bytes), address)) {
      if (bytes) this.log(`cached chunk ${hex.slice(0, 12)} was damaged on disk; it is fetched again`)
      await this.remove(hex)
      return undefined
    }
    if (tier === 'recent') {
      const size = this.recent.get(hex)
      if (size !== undefined) {
        this.recent.delete(hex)
        this.recent.set(hex, size)
      }
      // the order survives a restart through the file's time
      const now = new Date()
      void utimes(this.path(tier, hex), now, now).catch(() => {})
    }
    return bytes
  }

  /** Stores a chunk in `tier` (a kept chunk already here stays kept); recent chunks past the limit are evicted. */
  write(hex: string, bytes: Uint8Array, tier: Tier): Promise<void> {
    return this.serial(async () => {
      const now = this.tierOf(hex)
      if (this.broken || now === 'kept' || now === tier) return
      if (now === 'recent') {
        await this.move(hex, 'recent', 'kept')
        return
      }
      const path = this.path(tier, hex)
      await writeFile(`${path}.tmp`, bytes, { mode: 0o600 })
      await rename(`${path}.tmp`, path)
      this.add(tier, hex, bytes.byteLength)
      await this.evict()
    })
  }

  /** Moves a chunk between tiers; false when it is not here. */
  setTier(hex: string, tier: Tier): Promise<boolean> {
    return this.serial(async () => {
      const now = this.tierOf(hex)
      if (!now) return false
      if (now !== tier) await this.move(hex, now, tier)
      if (tier === 'recent') await this.evict()
      return true
    })
  }

  remove(hex: string): Promise<void> {
    return this.serial(async () => {
      const tier = this.tierOf(hex)
      if (!tier) return
      this.drop(tier, hex)
      await rm(this.path(tier, hex), { force: true })
    })
  }

  /** Trims recent chunks to the current limit (after the limit changed, say). */
  trim(): Promise<void> {
    return this.serial(() => this.evict())
  }

  keptAddresses(): string[] {
    return [...this.kept.keys()]
  }

  usage(): DiskChunkUsage {
    return {
      kept_bytes: this.keptBytes,
      kept_chunks: this.kept.size,
      cached_bytes: this.recentBytes,
      cached_chunks: this.recent.size,
      limit_bytes: Math.max(0, this.limit()),
    }
  }

  private async move(hex: string, from: Tier, to: Tier): Promise<void> {
    const size = (from === 'kept' ? this.kept : this.recent).get(hex)!
    await rename(this.path(from, hex), this.path(to, hex))
    this.drop(from, hex)
    this.add(to, hex, size)
  }

  private async evict(): Promise<void> {
    const limit = Math.max(0, this.limit())
    for (const [hex] of this.recent) {
      if (this.recentBytes <= limit) break
      this.drop('recent', hex)
      await rm(this.path('recent', hex), { force: true })
    }
  }
}
