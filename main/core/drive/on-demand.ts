// Files on demand: each file and folder is kept on this device or online
// only. Kept files' chunks (every level of their data maps) are held in the
// disk cache's `kept` tier, so they open and edit with the network gone;
// online-only files are fetched when read and leave their chunks in the
// `recent` tier, which is trimmed to its limit. After every commit of the tree
// the kept set is worked out again: new content of a kept file is fetched, and
// chunks no kept file names any more become ordinary cache.
import { ChunkMissingError, toHex } from '../chunk-store.ts'
import { SelfEncryptor, decodeHandle } from '../selfenc/index.ts'
import type { ChunkCache } from './chunk-cache.ts'
import type { DriveDb, EntryRow } from './db.ts'
import { ROOT_INO } from './db.ts'
import type { DiskChunkUsage, DiskChunks } from './disk-chunks.ts'
import { FsError } from './fs-types.ts'
import { Pins } from './pins.ts'

/** Chunks fetched at once while keeping a file. */
const FETCH_LANES = 4
/** After a pass that could not fetch everything (the network is gone, say), the next try. */
const RETRY_MS = 10_000
/** A pass also runs this often, for changes that reach the tree without a commit here. */
const SWEEP_MS = 60_000
const CHANGE_DELAY_MS = 300

export interface CacheUsage extends DiskChunkUsage {
  /** Files kept on this device, and their size. */
  kept_files: number
  kept_file_bytes: number
}

export interface KeepResult {
  path: string
  files: number
  bytes: number
  /** Chunks that could not be fetched (the network is unreachable, say); they are tried again. */
  missing: number
}

export interface OnDemandOptions {
  db: DriveDb
  cache: ChunkCache
  log: (line: string) => void
}

export class OnDemand {
  readonly pins: Pins
  private readonly db: DriveDb
  private readonly cache: ChunkCache
  private readonly disk: DiskChunks
  private readonly log: (line: string) => void
  private readonly enc = new SelfEncryptor()
  /** Every chunk address of a content, by its handle: contents never change. */
  private readonly addressCache = new Map<string, Uint8Array[]>()
  private running: Promise<number> | undefined
  private pending: Promise<number> | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly sweep: NodeJS.Timeout
  private keptFiles = 0
  private keptFileBytes = 0
  private stopped = false

  constructor(opts: OnDemandOptions) {
    if (!opts.cache.disk) throw new Error('files on demand need the disk cache')
    this.db = opts.db
    this.cache = opts.cache
    this.disk = opts.cache.disk
    this.log = opts.log
    this.pins = new Pins(opts.db)
    this.sweep = setInterval(() => this.changed(), SWEEP_MS)
    this.sweep.unref()
  }

  /** Keeps a file or folder (and all that is or comes in it) on this device; resolves once its chunks are here. */
  async keep(path: string): Promise<KeepResult> {
    const row = this.resolve(path)
    this.pins.choose(row.ino, row.ino === ROOT_INO ? undefined : row.parent, true)
    const missing = await this.reconcile()
    const { files, bytes } = this.totals(row)
    this.log(`${path} kept on this device: ${files} file(s), ${bytes} bytes`)
    return { path, files, bytes, missing }
  }

  /** Makes a file or folder online only and removes its chunks from the disk cache; answers the bytes freed. */
  async free(path: string): Promise<{ path: string; freed_bytes: number }> {
    const row = this.resolve(path)
    const before = this.diskBytes()
    this.pins.choose(row.ino, row.ino === ROOT_INO ? undefined : row.parent, false)
    await this.reconcile()
    for (const file of this.files(row, false)) {
      if (!file.handle) continue
      const addresses = await this.addressesOf(file.handle).catch(() => [] as Uint8Array[])
      for (const address of addresses) {
        const hex = toHex(address)
        // a chunk another kept file shares stays
        if (this.disk.tierOf(hex) === 'recent') await this.disk.remove(hex)
        if (this.disk.tierOf(hex) !== 'kept') this.cache.forget(hex)
      }
    }
    const freed = Math.max(0, before - this.diskBytes())
    this.log(`${path} is online only; ${freed} bytes freed on this device`)
    return { path, freed_bytes: freed }
  }

  /** Whether the entry at `path` is kept on this device. */
  isKept(path: string): boolean {
    const row = this.resolve(path)
    return this.pins.kept(row.ino, row.ino === ROOT_INO ? undefined : row.parent)
  }

  /** The tree changed: the kept set is worked out again shortly. */
  changed(): void {
    if (this.stopped || this.timer) return
    if (!this.pins.all().some((p) => p.choice === 'keep') && this.disk.usage().kept_chunks === 0) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.reconcile().catch((err: Error) =>
        this.log(`keeping files on this device failed: ${err.message}`),
      )
    }, CHANGE_DELAY_MS)
    this.timer.unref()
  }

  /** The cache's limit changed: recent chunks past it go now. */
  limitChanged(): Promise<void> {
    return this.disk.trim()
  }

  usage(): CacheUsage {
    return { ...this.disk.usage(), kept_files: this.keptFiles, kept_file_bytes: this.keptFileBytes }
  }

  /** Brings the disk's kept tier in line with the pins; answers how many chunks could not be fetched. */
  reconcile(): Promise<number> {
    if (this.running) {
      // a pass already under way may have read the pins before they changed: one more follows it
      this.pending ??= this.running.then(
        () => this.afterRunning(),
        () => this.afterRunning(),
      )
      return this.pending
    }
    this.running = this.pass().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private afterRunning(): Promise<number> {
    this.pending = undefined
    return this.reconcile()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.sweep)
    clearTimeout(this.timer)
    await this.running?.catch(() => {})
    await this.pending?.catch(() => {})
    await this.enc.close()
  }

  private async pass(): Promise<number> {
    await this.disk.ready
    this.pins.prune()
    const kept = new Map<number, EntryRow>()
    for (const pin of this.pins.all()) {
      if (pin.choice !== 'keep') continue
      const row = this.db.get(pin.ino)
      if (row) for (const file of this.files(row, true)) kept.set(file.ino, file)
    }
    const wanted = new Map<string, Uint8Array>()
    let unknown = 0
    for (const file of kept.values()) {
      if (!file.handle) continue
      try {
        for (const address of await this.addressesOf(file.handle)) wanted.set(toHex(address), address)
      } catch (err) {
        unknown++
        if (!(err instanceof ChunkMissingError))
          this.log(`cannot list the chunks of ${file.name}: ${(err as Error).message}`)
      }
    }
    let missing = 0
    const queue = [...wanted.values()].filter((a) => this.disk.tierOf(toHex(a)) !== 'kept')
    const lane = async (): Promise<void> => {
      for (let address = queue.pop(); address && !this.stopped; address = queue.pop()) {
        await this.cache.store(address, 'kept').catch(() => {
          missing++
        })
      }
    }
    await Promise.all(Array.from({ length: FETCH_LANES }, lane))
    // with a file's chunks unknown, what it needs cannot be told from what it does not: nothing is let go
    if (unknown === 0)
      for (const hex of this.disk.keptAddresses())
        if (!wanted.has(hex)) await this.disk.setTier(hex, 'recent')
    this.keptFiles = kept.size
    this.keptFileBytes = [...kept.values()].reduce((sum, f) => sum + f.size, 0)
    if ((missing > 0 || unknown > 0) && !this.stopped) {
      this.log(
        `${missing + unknown} kept item(s) could not be fetched yet; trying again in ${RETRY_MS / 1000} s`,
      )
      const retry = setTimeout(() => this.changed(), RETRY_MS)
      retry.unref()
    }
    return missing + unknown
  }

  /** Every chunk of a content: those of each level of its data map, down to the file's own. */
  private async addressesOf(handle: string): Promise<Uint8Array[]> {
    const known = this.addressCache.get(handle)
    if (known) return known
    const map = decodeHandle(handle)
    if (map.kind === 'inline') return []
    const seen: Uint8Array[] = [...map.chunks.map((c) => c.address)]
    if (map.level > 0) {
      const recording = {
        get: (address: Uint8Array) => {
          seen.push(address)
          return this.cache.get(address)
        },
      }
      const root = await this.enc.resolve(map, recording)
      seen.push(...root.chunks.map((c) => c.address))
    }
    if (this.addressCache.size > 4096) this.addressCache.clear()
    this.addressCache.set(handle, seen)
    return seen
  }

  /** Files in and under `row` (itself if a file); with `keptOnly`, not those below a folder freed inside it. */
  private files(row: EntryRow, keptOnly: boolean): EntryRow[] {
    const out: EntryRow[] = []
    const visit = (r: EntryRow): void => {
      if (r.kind === 'file') out.push(r)
      if (r.kind !== 'dir') return
      for (const child of this.db.list(r.ino)) {
        if (keptOnly && this.pins.get(child.ino) === 'free') continue
        visit(child)
      }
    }
    visit(row)
    return out
  }

  private totals(row: EntryRow): { files: number; bytes: number } {
    const files = this.files(row, true)
    return { files: files.length, bytes: files.reduce((sum, f) => sum + f.size, 0) }
  }

  private diskBytes(): number {
    const u = this.disk.usage()
    return u.kept_bytes + u.cached_bytes
  }

  private resolve(path: string): EntryRow {
    let row = this.db.get(ROOT_INO)!
    for (const name of path.split('/').filter((p) => p.length > 0)) {
      if (row.kind !== 'dir') throw new FsError('ENOTDIR', path)
      const next = this.db.lookup(row.ino, name)
      if (!next) throw new FsError('ENOENT', path)
      row = next
    }
    return row
  }
}
