// The donated store: a ChunkStore over chunk files in a vault directory,
// indexed in SQLite, held under a hard byte cap, verified on every read. It
// also holds signed records, in the index itself, under the same cap.
import { mkdir, open, readFile, readdir, rename, statfs, unlink } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ADDRESS_BYTES, ChunkHashMismatchError, ChunkMissingError, sameBytes, toHex } from '../chunk-store.ts'
import type { ChunkStore } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import { decodeRecord } from '../records/format.ts'
import type { SignedRecord } from '../records/format.ts'
import { admitRecord } from '../records/holder-rules.ts'
import type { RecordPutOutcome } from '../records/holder-rules.ts'
import { addressOf, verifyRecord } from '../records/record.ts'
import { ChunkCorruptError, VaultClosedError, VaultFullError } from './errors.ts'
import {
  errno,
  lstatOrUndefined,
  randomName,
  removeEntry,
  sha256,
  sha256OffThread,
  statOrUndefined,
  writeNewFile,
} from './fs-steps.ts'
import { IndexDb } from './index-db.ts'
import { KeyedLock } from './keyed-lock.ts'
import { INDEX_FILE, INDEX_FILES, VaultLayout, WAL_FILE, isShardName, shardOf } from './layout.ts'
import { asUnreadable, claimVaultDir, ensureSubdirs } from './open-dir.ts'
import {
  DEFAULT_CAPACITY,
  MIN_BLOCK,
  Usage,
  admissionCost,
  checkCapacity,
  onDisk,
  recordAdmissionCost,
} from './quota.ts'
import type { IndexBytes } from './quota.ts'
import { recover } from './recovery.ts'
import type { RecoveryReport } from './recovery.ts'

export interface VaultOptions {
  /** Donated bytes. Persisted; omitted, the vault keeps its stored capacity (10 GiB for a new vault). */
  capacity?: number
  /** Told about each chunk that failed its hash check on read, after it was quarantined. */
  onCorrupt?: (event: CorruptChunkEvent) => void
}

export interface CorruptChunkEvent {
  /** Hex address of the chunk. */
  address: string
  reason: string
  /** Where the bad file was moved, or undefined if it vanished first. */
  quarantinedTo: string | undefined
}

export interface VaultStats {
  /** Donated bytes: the hard cap on the vault directory's size on disk. */
  capacity: number
  /** Upper bound on the bytes the vault directory takes on disk: chunks, directories, index (with its WAL reserve), quarantine. */
  used: number
  /** capacity − used, or 0 when over the cap. */
  free: number
  /** used − capacity when the cap was lowered below what is held: bytes to hand off. 0 otherwise. */
  excess: number
  chunks: number
  /** Sum of the chunks' own sizes. */
  chunkBytes: number
  /** Signed records held (in the index). */
  records: number
  /** Sum of the held records' encoded sizes. */
  recordBytes: number
  /** Corrupt chunks found on read and held in quarantine/. */
  corrupt: number
  /** Bytes the quarantined files take (part of `used` until purgeQuarantine()). */
  quarantinedBytes: number
}

const ADDRESS_PAGE = 1024

export class Vault implements ChunkStore {
  readonly dir: string
  /** What opening this vault had to repair. */
  readonly recovery: RecoveryReport
  readonly #layout: VaultLayout
  readonly #db: IndexDb
  readonly #usage: Usage
  readonly #lock = new KeyedLock()
  readonly #onCorrupt: ((event: CorruptChunkEvent) => void) | undefined
  readonly #pending = new Set<Promise<unknown>>()
  /** Shards created whose entry in chunks/ has not been fsynced yet. */
  readonly #newShards = new Set<string>()
  /** Open handles on chunks/ and the shard directories (at most 257), for fsync. */
  readonly #dirHandles = new Map<string, Promise<FileHandle>>()
  #capacity: number
  #closing: Promise<void> | undefined

  private constructor(
    layout: VaultLayout,
    db: IndexDb,
    usage: Usage,
    capacity: number,
    recovery: RecoveryReport,
    onCorrupt: ((event: CorruptChunkEvent) => void) | undefined,
  ) {
    this.dir = layout.root
    this.#layout = layout
    this.#db = db
    this.#usage = usage
    this.#capacity = capacity
    this.recovery = recovery
    this.#onCorrupt = onCorrupt
  }

  /**
   * Opens the vault in `dir`, creating it if missing, and repairs what a crash
   * left behind. Throws UsageError for a bad capacity, VaultUnreadable when the
   * directory or index cannot be used, VaultBusy when another process has it open.
   */
  static async open(dir: string, options: VaultOptions = {}): Promise<Vault> {
    const requested = options.capacity === undefined ? undefined : checkCapacity(options.capacity)
    const layout = new VaultLayout(resolve(dir))
    await claimVaultDir(layout)
    const db = IndexDb.open(layout.index, layout.root)
    try {
      await ensureSubdirs(layout)
      const block = Math.max(MIN_BLOCK, (await statfs(layout.root)).bsize)
      const recovery = await recover(layout, db, block)
      const capacity = requested ?? storedCapacity(db, layout) ?? DEFAULT_CAPACITY
      if (db.getMeta('capacity') !== String(capacity)) db.setMeta('capacity', String(capacity))

      const usage = new Usage(block, () => measureIndex(layout, block))
      const totals = db.totals()
      usage.chunks = totals.count
      usage.chunkBytes = totals.size
      usage.chunkDisk = totals.disk
      const records = db.recordTotals()
      usage.records = records.count
      usage.recordBytes = records.size
      for (const path of layout.fixedDirs) measureDir(usage, path)
      for (const name of await readdir(layout.chunks)) {
        if (isShardName(name)) measureDir(usage, layout.shardDir(name))
      }
      for (const name of await readdir(layout.quarantine)) {
        const stat = lstatOrUndefined(join(layout.quarantine, name))
        if (stat) usage.addQuarantined(onDisk(stat, block))
      }
      return new Vault(layout, db, usage, capacity, recovery, options.onCorrupt)
    } catch (error) {
      try {
        db.close()
      } catch {
        // The open already failed; its error is the one worth reporting.
      }
      if (error instanceof PeerDriveError) throw error
      throw asUnreadable(layout, error)
    }
  }

  /** Stores a chunk; a chunk already held costs only the hash check. */
  async put(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    const hex = checkAddress(address)
    await this.#track(() =>
      this.#lock.run(hex, async () => {
        if (this.#db.row(address)) {
          if (!sameBytes(sha256(bytes), address)) throw new ChunkHashMismatchError(address, 'put')
          return
        }
        await this.#write(address, hex, bytes)
      }),
    )
  }

  /** The chunk's bytes, verified against its address. Throws ChunkMissing, or ChunkCorrupt after quarantining a bad file. */
  async get(address: Uint8Array): Promise<Uint8Array> {
    const hex = checkAddress(address)
    return this.#track(async () => {
      const row = this.#db.row(address)
      if (!row) throw new ChunkMissingError(address)
      const file = this.#layout.chunkFile(hex)
      let bytes: Buffer
      try {
        bytes = await readFile(file)
      } catch (error) {
        if (errno(error) !== 'ENOENT') throw error
        await this.#lock.run(hex, async () => this.#dropIfFileGone(address, file))
        throw new ChunkMissingError(address)
      }
      if (verify(address, bytes, row.size) === undefined) return bytes
      return this.#lock.run(hex, () => this.#quarantineIfStillBad(address, hex))
    })
  }

  async has(address: Uint8Array): Promise<boolean> {
    checkAddress(address)
    this.#checkOpen()
    return this.#db.row(address) !== undefined
  }

  /** A held chunk's size in bytes, from the index (no disk read); undefined when it is not held. */
  sizeOf(address: Uint8Array): number | undefined {
    checkAddress(address)
    this.#checkOpen()
    return this.#db.row(address)?.size
  }

  async delete(address: Uint8Array): Promise<boolean> {
    const hex = checkAddress(address)
    return this.#track(() =>
      this.#lock.run(hex, async () => {
        const row = this.#db.row(address)
        if (!row) return false
        try {
          // File before row: a crash in between leaves a row without a file,
          // which the next open drops, rather than a file that would be re-adopted.
          await unlink(this.#layout.chunkFile(hex))
        } catch (error) {
          if (errno(error) !== 'ENOENT') throw error
        }
        if (this.#db.remove(address)) this.#usage.removeChunk(row.size, row.disk)
        return true
      }),
    )
  }

  stats(): VaultStats {
    this.#checkOpen()
    const used = this.#usage.used()
    return {
      capacity: this.#capacity,
      used,
      free: Math.max(0, this.#capacity - used),
      excess: Math.max(0, used - this.#capacity),
      chunks: this.#usage.chunks,
      chunkBytes: this.#usage.chunkBytes,
      records: this.#usage.records,
      recordBytes: this.#usage.recordBytes,
      corrupt: this.#usage.quarantined,
      quarantinedBytes: this.#usage.quarantinedBytes,
    }
  }

  /** Counts other files kept in the vault directory (farm.db) against the donation. */
  countAlso(measure: () => number): void {
    this.#usage.countAlso(measure)
  }

  /**
   * Changes the donated size at run time (persisted). Lowering it below what is
   * held is allowed: `excess` is what must be handed off, and PUTs are refused
   * until it is 0.
   */
  setCapacity(bytes: number): { excess: number } {
    checkCapacity(bytes)
    this.#checkOpen()
    this.#db.setMeta('capacity', String(bytes))
    this.#capacity = bytes
    return { excess: Math.max(0, this.#usage.used() - bytes) }
  }

  /** Every held address in byte order, read from the index a page at a time (safe to delete while iterating). */
  /** Held addresses in byte order, starting after `from` (exclusive) when given. */
  *addresses(from?: Uint8Array): Generator<Uint8Array, void, undefined> {
    let after: Uint8Array = from ?? new Uint8Array(0)
    while (true) {
      this.#checkOpen()
      const page = this.#db.addressesAfter(after, ADDRESS_PAGE)
      yield* page
      const last = page.at(-1)
      if (page.length < ADDRESS_PAGE || !last) return
      after = last
    }
  }

  /**
   * Stores a signed record if it verifies under its own owner key, lies at
   * `address` (when given), and is newer than the one held. Throws
   * RecordInvalid, RecordBadSignature, RecordStale (an older version, or the
   * same version with other contents) or VaultFull; the same record again is
   * 'unchanged'.
   */
  async putRecord(record: SignedRecord, address?: Uint8Array): Promise<RecordPutOutcome> {
    if (address !== undefined) checkAddress(address)
    this.#checkOpen()
    // Synchronous from the look-up to the write, so no other put can interleave.
    const admission = admitRecord(record, (a) => this.#db.record(a), address)
    if (admission.outcome === 'unchanged') return 'unchanged'
    const usage = this.#usage
    const held = this.#db.record(admission.address)
    const need = recordAdmissionCost(admission.bytes.byteLength, usage.block)
    const free = this.#capacity - usage.used() - usage.reserved
    if (need > free) throw new VaultFullError(need, free, undefined, 'record')
    this.#db.setRecord(admission.address, admission.bytes)
    if (held) usage.recordBytes -= held.byteLength
    else usage.records++
    usage.recordBytes += admission.bytes.byteLength
    return 'stored'
  }

  /** The record held at `address`, checked again on the way out; undefined when none is held. */
  async getRecord(address: Uint8Array): Promise<SignedRecord | undefined> {
    checkAddress(address)
    this.#checkOpen()
    const bytes = this.#db.record(address)
    if (!bytes) return undefined
    const record = decodeIfValid(bytes, address)
    // A damaged row is dropped: the close group holds good copies, and repair brings one back.
    if (!record) this.#dropRecord(address, bytes.byteLength)
    return record
  }

  async deleteRecord(address: Uint8Array): Promise<boolean> {
    checkAddress(address)
    this.#checkOpen()
    const bytes = this.#db.record(address)
    if (!bytes) return false
    this.#dropRecord(address, bytes.byteLength)
    return true
  }

  /** Every held record address in byte order, a page at a time (safe to delete while iterating). */
  *recordAddresses(): Generator<Uint8Array, void, undefined> {
    let after: Uint8Array = new Uint8Array(0)
    while (true) {
      this.#checkOpen()
      const page = this.#db.recordAddressesAfter(after, ADDRESS_PAGE)
      yield* page
      const last = page.at(-1)
      if (page.length < ADDRESS_PAGE || !last) return
      after = last
    }
  }

  #dropRecord(address: Uint8Array, size: number): void {
    if (!this.#db.removeRecord(address)) return
    this.#usage.records--
    this.#usage.recordBytes -= size
  }

  /** Deletes the quarantined files, giving their space back; returns how many there were. */
  async purgeQuarantine(): Promise<number> {
    return this.#track(async () => {
      const names = await readdir(this.#layout.quarantine)
      for (const name of names) await removeEntry(join(this.#layout.quarantine, name))
      this.#usage.quarantined = 0
      this.#usage.quarantinedBytes = 0
      return names.length
    })
  }

  /** Waits for operations in flight, then folds the WAL into the index and closes it. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#pending])
      await Promise.allSettled([...this.#dirHandles.values()].map(async (h) => (await h).close()))
      this.#db.close()
    })()
    return this.#closing
  }

  async #write(address: Uint8Array, hex: string, bytes: Uint8Array): Promise<void> {
    const usage = this.#usage
    const size = bytes.byteLength
    const need = admissionCost(size, usage.block)
    const free = this.#capacity - usage.used() - usage.reserved
    if (need > free) throw new VaultFullError(need, free)
    usage.reserved += need
    const shard = shardOf(hex)
    const shardDir = this.#layout.shardDir(shard)
    const tmp = join(this.#layout.tmp, randomName())
    const file = this.#layout.chunkFile(hex)
    let renamed = false
    let committed = false
    try {
      if (!usage.hasDir(shardDir)) await this.#makeShard(shard, shardDir)
      // Hashing and writing run on the thread pool at once. A mismatch is
      // found after the write: the tmp file is then dropped, which is cheaper
      // for the common, honest case than hashing before writing.
      const [stat, digest] = await Promise.all([writeNewFile(tmp, bytes), sha256OffThread(bytes)])
      if (!sameBytes(digest, address)) throw new ChunkHashMismatchError(address, 'put')
      await rename(tmp, file)
      renamed = true
      // A new shard's own entry in chunks/ is synced alongside the chunk's
      // entry: two fsyncs issued together share one journal commit.
      const newShard = this.#newShards.has(shard)
      await Promise.all([this.#syncDir(shardDir), newShard ? this.#syncDir(this.#layout.chunks) : undefined])
      if (newShard) this.#newShards.delete(shard)
      const disk = onDisk(stat, usage.block)
      const added = this.#db.insert(address, size, disk)
      committed = true
      if (added) usage.addChunk(size, disk)
      measureDir(usage, shardDir)
      measureDir(usage, this.#layout.tmp)
    } catch (error) {
      // Nothing unindexed may stay behind: it would take disk that `used` does not count.
      if (!committed) await removeEntry(renamed ? file : tmp).catch(() => {})
      if (errno(error) === 'ENOSPC' || errno(error) === 'EDQUOT') {
        throw new VaultFullError(need, free, 'the disk holding the vault is out of space')
      }
      throw error
    } finally {
      usage.reserved -= need
    }
  }

  /** fsync of a directory through a handle kept open: saves an open and a close on every PUT. */
  async #syncDir(dir: string): Promise<void> {
    let handle = this.#dirHandles.get(dir)
    if (!handle) {
      handle = open(dir, 'r')
      this.#dirHandles.set(dir, handle)
      handle.catch(() => this.#dirHandles.delete(dir))
    }
    await (await handle).sync()
  }

  /** Creates a shard directory; its entry in chunks/ is made durable by the first put into it. */
  async #makeShard(shard: string, dir: string): Promise<void> {
    try {
      await mkdir(dir, { mode: 0o700 })
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error
    }
    measureDir(this.#usage, dir)
    this.#newShards.add(shard)
  }

  async #dropIfFileGone(address: Uint8Array, file: string): Promise<void> {
    const row = this.#db.row(address)
    if (row && !lstatOrUndefined(file) && this.#db.remove(address)) {
      this.#usage.removeChunk(row.size, row.disk)
    }
  }

  /**
   * Under the chunk's lock, reads it again: if it is still bad it goes to
   * quarantine and ChunkCorrupt is thrown; if a concurrent put replaced it with
   * good bytes meanwhile, those are returned.
   */
  async #quarantineIfStillBad(address: Uint8Array, hex: string): Promise<Uint8Array> {
    const row = this.#db.row(address)
    if (!row) throw new ChunkMissingError(address)
    const file = this.#layout.chunkFile(hex)
    let bytes: Buffer
    try {
      bytes = await readFile(file)
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error
      await this.#dropIfFileGone(address, file)
      throw new ChunkMissingError(address)
    }
    const reason = verify(address, bytes, row.size)
    if (reason === undefined) return bytes

    let quarantinedTo: string | undefined = join(
      this.#layout.quarantine,
      `${hex}.${Date.now()}.${randomName()}`,
    )
    try {
      await rename(file, quarantinedTo)
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error
      quarantinedTo = undefined
    }
    if (this.#db.remove(address)) this.#usage.removeChunk(row.size, row.disk)
    if (quarantinedTo) {
      const stat = lstatOrUndefined(quarantinedTo)
      this.#usage.addQuarantined(stat ? onDisk(stat, this.#usage.block) : 0)
      measureDir(this.#usage, this.#layout.quarantine)
    }
    try {
      this.#onCorrupt?.({ address: hex, reason, quarantinedTo })
    } catch {
      // A reporting hook must not change what the read returns.
    }
    throw new ChunkCorruptError(address, reason)
  }

  #checkOpen(): void {
    if (this.#closing) throw new VaultClosedError()
  }

  /** Runs an operation that close() must wait for. */
  #track<T>(work: () => Promise<T>): Promise<T> {
    this.#checkOpen()
    const running = work()
    this.#pending.add(running)
    const done = () => this.#pending.delete(running)
    running.then(done, done)
    return running
  }
}

function checkAddress(address: Uint8Array): string {
  if (!(address instanceof Uint8Array) || address.byteLength !== ADDRESS_BYTES) {
    throw new TypeError(`a chunk address is ${ADDRESS_BYTES} bytes`)
  }
  return toHex(address)
}

/** Why `bytes` cannot be the chunk at `address`, or undefined when they can. */
function verify(address: Uint8Array, bytes: Uint8Array, size: number): string | undefined {
  if (bytes.byteLength !== size) return `file holds ${bytes.byteLength} bytes, ${size} were stored`
  if (!sameBytes(sha256(bytes), address)) return 'bytes do not hash to the address'
  return undefined
}

function decodeIfValid(bytes: Uint8Array, address: Uint8Array): SignedRecord | undefined {
  try {
    const record = decodeRecord(bytes)
    return verifyRecord(record) && sameBytes(addressOf(record), address) ? record : undefined
  } catch {
    return undefined
  }
}

function storedCapacity(db: IndexDb, layout: VaultLayout): number | undefined {
  const stored = db.getMeta('capacity')
  if (stored === undefined) return undefined
  const capacity = Number(stored)
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw asUnreadable(layout, new Error(`its index holds an invalid capacity "${stored}"`))
  }
  return capacity
}

function measureDir(usage: Usage, path: string): void {
  const stat = statOrUndefined(path)
  usage.setDir(path, stat ? onDisk(stat, usage.block) : 0)
}

function measureIndex(layout: VaultLayout, block: number): IndexBytes {
  const measured: IndexBytes = { db: 0, wal: 0, other: 0 }
  for (const name of INDEX_FILES) {
    const stat = lstatOrUndefined(join(layout.root, name))
    if (!stat) continue
    const bytes = onDisk(stat, block)
    if (name === INDEX_FILE) measured.db += bytes
    else if (name === WAL_FILE) measured.wal += bytes
    else measured.other += bytes
  }
  return measured
}
