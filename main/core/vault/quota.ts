// Hard-cap accounting. `used` is an upper bound on the bytes the vault
// directory takes on disk, built only from measurements and fixed reserves:
// chunk files as the file system reports them after fsync, directories as
// measured (ext4 never shrinks a directory, so a per-entry estimate would
// undercount after deletes), and the index as the larger of its measured size
// and a per-row estimate, with a fixed reserve for the WAL. A PUT is admitted
// only if its worst case fits, so the directory never outgrows the donation.
import type { Stats } from 'node:fs'
import { UsageError } from '../errors.ts'
import { formatSize } from '../size.ts'

/** Smallest allocation unit assumed; raised to the file system's own block size when larger. */
export const MIN_BLOCK = 4096

/**
 * Index bytes per chunk: a ~50-byte b-tree cell (32-byte key, two integers) in
 * leaves that random keys leave between half and fully used, plus interior pages.
 */
export const ROW_OVERHEAD = 128

/** The database file of an empty index (schema, meta and chunk tables), rounded up. */
export const DB_FLOOR = 32 * 1024

/** WAL pages before SQLite checkpoints on its own. */
export const WAL_AUTOCHECKPOINT_PAGES = 32

/** The WAL is truncated back to this many bytes after a checkpoint. */
export const WAL_SIZE_LIMIT = 256 * 1024

/**
 * Held for the WAL whatever its measured size: it refills to its high-water
 * mark between checkpoints (32 pages plus one transaction, which recovery
 * keeps to a few dozen rows), so reserving it once keeps `used` steady.
 */
export const WAL_RESERVE = WAL_SIZE_LIMIT + 64 * 1024

/** Blocks one new entry can add to a directory (ext4: htree conversion or split, plus an extent block). */
export const DIR_GROWTH_BLOCKS = 3

/** Pages a commit can add to the database file when it triggers a checkpoint. */
export const INDEX_GROWTH_PAGES = 2

/** Below this a vault cannot hold its own index and directories, let alone chunks. */
export const MIN_CAPACITY = 1024 * 1024

/** Donation of a new vault when none is given. */
export const DEFAULT_CAPACITY = 10 * 1024 ** 3

export function roundUp(bytes: number, block: number): number {
  return Math.ceil(bytes / block) * block
}

/** Bytes a file or directory takes: allocated blocks, and for a file never less than its size in whole blocks. */
export function onDisk(stat: Pick<Stats, 'blocks' | 'size' | 'isFile'>, block: number): number {
  const allocated = stat.blocks * 512
  return stat.isFile() ? Math.max(allocated, roundUp(stat.size, block)) : allocated
}

/**
 * The most a PUT of `size` bytes can add to `used`: its blocks, one extent-tree
 * block if the file has more blocks than an inode holds extents, its index
 * row, a checkpoint's growth of the database file, and the growth of the
 * directories it passes through (a new shard directory is one block).
 */
export function admissionCost(size: number, block: number): number {
  const blocks = roundUp(size, block)
  const extentBlock = blocks > 4 * block ? block : 0
  return blocks + extentBlock + ROW_OVERHEAD + (INDEX_GROWTH_PAGES + DIR_GROWTH_BLOCKS) * block
}

/** The index files' sizes on disk, as measured. */
export interface IndexBytes {
  db: number
  wal: number
  /** -shm and -journal, if SQLite ever creates them. */
  other: number
}

/**
 * The most storing an encoded record of `size` bytes can add to `used`: its
 * pages in the index (records live in it, not in files), its rows, and a
 * checkpoint's growth of the database file. Its transaction (about 20 pages
 * for the largest record) fits the WAL reserve, which is held whatever the WAL holds.
 */
export function recordAdmissionCost(size: number, block: number): number {
  return roundUp(size, block) + ROW_OVERHEAD + INDEX_GROWTH_PAGES * block
}

/** What the index counts for in `used`; `recordBytes` is the encoded records it holds. */
export function indexCost(measured: IndexBytes, rows: number, recordBytes = 0): number {
  return (
    Math.max(measured.db, DB_FLOOR + rows * ROW_OVERHEAD + recordBytes) +
    Math.max(measured.wal, WAL_RESERVE) +
    measured.other
  )
}

/** The running tally behind `used`; every figure in it comes from a measurement or a committed row. */
export class Usage {
  readonly block: number
  chunks = 0
  chunkBytes = 0
  /** Sum of the chunk files' measured sizes on disk. */
  chunkDisk = 0
  quarantined = 0
  quarantinedBytes = 0
  records = 0
  /** Sum of the encoded records' sizes (they are stored in the index). */
  recordBytes = 0
  /** Admitted PUTs not yet committed: their worst case, held until they are measured. */
  reserved = 0
  readonly #dirs = new Map<string, number>()
  #dirBytes = 0
  readonly #measureIndex: () => IndexBytes
  /** Other files the vault's owner keeps in the vault directory (farm.db), measured when `used` is. */
  readonly #others: (() => number)[] = []

  constructor(block: number, measureIndex: () => IndexBytes) {
    this.block = block
    this.#measureIndex = measureIndex
  }

  addChunk(size: number, disk: number): void {
    this.chunks++
    this.chunkBytes += size
    this.chunkDisk += disk
  }

  removeChunk(size: number, disk: number): void {
    this.chunks--
    this.chunkBytes -= size
    this.chunkDisk -= disk
  }

  addQuarantined(disk: number): void {
    this.quarantined++
    this.quarantinedBytes += disk
  }

  setDir(path: string, bytes: number): void {
    this.#dirBytes += bytes - (this.#dirs.get(path) ?? 0)
    this.#dirs.set(path, bytes)
  }

  hasDir(path: string): boolean {
    return this.#dirs.has(path)
  }

  /** Counts the bytes `measure` reports against the donation too, measured whenever `used` is. */
  countAlso(measure: () => number): void {
    this.#others.push(measure)
  }

  /** Bytes spoken for now; measures the index files, so call it when the figure is needed. */
  used(): number {
    const index = indexCost(this.#measureIndex(), this.chunks + this.records, this.recordBytes)
    const others = this.#others.reduce((sum, measure) => sum + measure(), 0)
    return this.chunkDisk + this.#dirBytes + this.quarantinedBytes + index + others
  }
}

/** Refuses donations that are not a whole number of bytes or too small to hold a vault's own files. */
export function checkCapacity(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new UsageError(`vault capacity must be a whole number of bytes, not ${String(bytes)}`)
  }
  if (bytes < MIN_CAPACITY) {
    throw new UsageError(
      `vault capacity ${formatSize(bytes)} is too small: a vault needs at least ${formatSize(MIN_CAPACITY)} ` +
        'for its own index and directories before it can hold any chunk',
    )
  }
  return bytes
}
