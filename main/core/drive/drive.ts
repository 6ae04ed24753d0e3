// The drive: a POSIX-shaped file tree whose files live self-encrypted in the
// network. Changes land in the local journal and SQLite state first (and are
// acknowledged from there), then upload in the background; the tree reaches
// the network as encrypted directory blobs under a signed root record.
import { mkdir, open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChunkStore } from '../chunk-store.ts'
import { SelfEncryptor, decodeHandle } from '../selfenc/index.ts'
import type { DataMap } from '../selfenc/index.ts'
import { ChunkCache } from './chunk-cache.ts'
import { DriveDb, ROOT_INO } from './db.ts'
import type { EntryRow } from './db.ts'
import { FsError } from './fs-types.ts'
import type { Attr, DriveFs, OpenFlags, StatFs } from './fs-types.ts'
import { Journal } from './journal.ts'
import type { RootStore } from './root.ts'
import { Syncer } from './syncer.ts'
import type { SyncStatus } from './syncer.ts'

const NAME_MAX = 255

export interface DriveEvent {
  type: 'journal-full' | 'sync-error' | 'synced' | 'committed'
  message: string
}

export interface DriveOptions {
  /** Local state: drive.sqlite and the journal's staging files. */
  dir: string
  /** The drive's symmetric key (seals the root pointer). */
  key: Uint8Array
  chunks: Pick<ChunkStore, 'get' | 'put'>
  root: RootStore
  journalLimitBytes?: number
  backpressureMs?: number
  cacheBytes?: number
  commitDelayMs?: number
  /** What statfs reports as the drive's size (the user's donation by default). */
  capacityBytes?: () => number
  log?: (line: string) => void
  onEvent?: (e: DriveEvent) => void
}

interface OpenFile {
  ino: number
  writable: boolean
  dirty: boolean
  append: boolean
}

export class Drive implements DriveFs {
  readonly db: DriveDb
  readonly journal: Journal
  readonly syncer: Syncer
  private readonly cache: ChunkCache
  private readonly enc: SelfEncryptor
  private readonly opts: DriveOptions
  private readonly handles = new Map<number, OpenFile>()
  private nextHandle = 1
  /** Shared staging-file descriptors, one per file with local content. */
  private readonly fds = new Map<number, Promise<FileHandle>>()
  /** Sizes of files being written, ahead of the database (which is updated on flush). */
  private readonly liveSizes = new Map<number, number>()
  private readonly maps = new Map<string, DataMap>()

  private constructor(opts: DriveOptions, db: DriveDb, journal: Journal) {
    this.opts = opts
    this.db = db
    this.journal = journal
    this.enc = new SelfEncryptor()
    this.cache = new ChunkCache(opts.chunks, opts.cacheBytes ?? 256 * 2 ** 20)
    this.syncer = new Syncer({
      db,
      journal,
      enc: this.enc,
      chunks: opts.chunks,
      source: this.cache,
      root: opts.root,
      key: opts.key,
      commitDelayMs: opts.commitDelayMs ?? 500,
      dropStaging: (ino) => this.dropStaging(ino),
      log: opts.log ?? (() => {}),
      onEvent: (e) => opts.onEvent?.(e),
    })
  }

  /** Opens the drive's local state, replays the journal, and loads the tree from the network if this node has none. */
  static async open(opts: DriveOptions): Promise<Drive> {
    await mkdir(opts.dir, { recursive: true })
    const db = new DriveDb(join(opts.dir, 'drive.sqlite'))
    const journal = await Journal.open(join(opts.dir, 'staging'), {
      limitBytes: opts.journalLimitBytes ?? 2 ** 30,
      backpressureMs: opts.backpressureMs,
      onFull: (needed) => {
        const message = `upload journal full: a write of ${needed} more bytes waits for uploads; writes fail with ENOSPC until they finish`
        opts.log?.(message)
        opts.onEvent?.({ type: 'journal-full', message })
      },
    })
    const drive = new Drive(opts, db, journal)
    await drive.syncer.replay()
    await drive.syncer.loadFromNetworkIfEmpty()
    drive.syncer.start()
    return drive
  }

  status(): SyncStatus {
    return this.syncer.status()
  }

  /** Waits until every local change is uploaded and committed (or `timeoutMs` passes). */
  async syncAll(timeoutMs = 60_000): Promise<boolean> {
    for (const [fh, f] of this.handles) if (f.dirty) await this.fsync(fh)
    return this.syncer.settle(timeoutMs)
  }

  /** Flushes, then stops background work and closes local state. */
  async close(): Promise<void> {
    await this.syncAll().catch(() => false)
    await this.syncer.stop()
    for (const fd of this.fds.values()) await (await fd).close().catch(() => {})
    this.fds.clear()
    await this.enc.close()
    this.db.close()
  }

  // ---- paths ----

  private resolve(path: string): EntryRow {
    let row = this.db.get(ROOT_INO)!
    for (const name of parts(path)) {
      if (row.kind !== 'dir') throw new FsError('ENOTDIR', path)
      const next = this.db.lookup(row.ino, name)
      if (!next) throw new FsError('ENOENT', path)
      row = next
    }
    return row
  }

  private parentOf(path: string): { parent: EntryRow; name: string } {
    const names = parts(path)
    const name = names.pop()
    if (name === undefined) throw new FsError('EEXIST', '/')
    if (Buffer.byteLength(name) > NAME_MAX) throw new FsError('ENAMETOOLONG', name)
    const parent = this.resolve(`/${names.join('/')}`)
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR', path)
    return { parent, name }
  }

  private touchDir(ino: number, now = Date.now()): void {
    this.db.update(ino, { mtime: now, ctime: now })
    this.syncer.markDirty(ino)
  }

  /** Adds an entry to a directory, in one transaction with the directory's own change. */
  private addEntry(
    parent: number,
    name: string,
    fields: Pick<EntryRow, 'kind' | 'mode' | 'state'> & { target?: string },
  ): number {
    const now = Date.now()
    return this.db.transaction(() => {
      const ino = this.db.insert({
        parent,
        name,
        size: 0,
        mtime: now,
        ctime: now,
        atime: now,
        handle: null,
        ...fields,
        target: fields.target ?? null,
      })
      this.touchDir(parent, now)
      return ino
    })
  }

  private sizeOf(row: EntryRow): number {
    return this.liveSizes.get(row.ino) ?? row.size
  }

  // ---- metadata ----

  async getattr(path: string): Promise<Attr> {
    const row = this.resolve(path)
    return this.attr(row)
  }

  private attr(row: EntryRow): Attr {
    const size =
      row.kind === 'file'
        ? this.sizeOf(row)
        : row.kind === 'symlink'
          ? Buffer.byteLength(row.target ?? '')
          : 4096
    return {
      kind: row.kind,
      size,
      mode: row.mode,
      mtimeMs: row.mtime,
      ctimeMs: row.ctime,
      atimeMs: row.atime,
      ino: row.ino,
      nlink: row.kind === 'dir' ? 2 : 1,
    }
  }

  async readdir(path: string): Promise<string[]> {
    const row = this.resolve(path)
    if (row.kind !== 'dir') throw new FsError('ENOTDIR', path)
    return this.db.list(row.ino).map((r) => r.name)
  }

  async mkdir(path: string, mode: number): Promise<void> {
    const { parent, name } = this.parentOf(path)
    if (this.db.lookup(parent.ino, name)) throw new FsError('EEXIST', path)
    const ino = this.addEntry(parent.ino, name, { kind: 'dir', mode: mode & 0o7777, state: 'synced' })
    this.syncer.markDirty(ino)
  }

  async rmdir(path: string): Promise<void> {
    const row = this.resolve(path)
    if (row.ino === ROOT_INO) throw new FsError('EPERM', 'cannot remove the drive root')
    if (row.kind !== 'dir') throw new FsError('ENOTDIR', path)
    if (this.db.countChildren(row.ino) > 0) throw new FsError('ENOTEMPTY', path)
    this.db.transaction(() => {
      this.db.remove(row.ino)
      this.touchDir(row.parent)
    })
    this.syncer.forgetDir(row.ino)
  }

  async unlink(path: string): Promise<void> {
    const row = this.resolve(path)
    if (row.kind === 'dir') throw new FsError('EISDIR', path)
    this.db.transaction(() => {
      this.db.remove(row.ino)
      this.touchDir(row.parent)
    })
    await this.forgetContent(row.ino)
  }

  /** Drops a file's local content once nothing has it open. */
  private async forgetContent(ino: number): Promise<void> {
    if ([...this.handles.values()].some((h) => h.ino === ino)) return
    this.syncer.forgetFile(ino)
    this.liveSizes.delete(ino)
    const fd = this.fds.get(ino)
    this.fds.delete(ino)
    if (fd) await (await fd).close().catch(() => {})
    await this.journal.drop(ino)
  }

  async rename(from: string, to: string): Promise<void> {
    const row = this.resolve(from)
    if (row.ino === ROOT_INO) throw new FsError('EINVAL', 'cannot move the drive root')
    const { parent, name } = this.parentOf(to)
    // Moving a directory into its own subtree would detach it from the tree.
    for (let p = parent; ; p = this.db.get(p.parent)!) {
      if (p.ino === row.ino) throw new FsError('EINVAL', `${from} into itself`)
      if (p.ino === ROOT_INO) break
    }
    const existing = this.db.lookup(parent.ino, name)
    if (existing?.ino === row.ino) return
    if (existing) {
      if (existing.kind === 'dir' && row.kind !== 'dir') throw new FsError('EISDIR', to)
      if (existing.kind !== 'dir' && row.kind === 'dir') throw new FsError('ENOTDIR', to)
      if (existing.kind === 'dir' && this.db.countChildren(existing.ino) > 0)
        throw new FsError('ENOTEMPTY', to)
    }
    const now = Date.now()
    this.db.transaction(() => {
      if (existing) this.db.remove(existing.ino)
      this.db.update(row.ino, { parent: parent.ino, name, ctime: now })
      this.touchDir(row.parent, now)
      this.touchDir(parent.ino, now)
    })
    if (existing?.kind === 'dir') this.syncer.forgetDir(existing.ino)
    else if (existing) await this.forgetContent(existing.ino)
  }

  async utimens(path: string, atimeMs: number, mtimeMs: number): Promise<void> {
    const row = this.resolve(path)
    this.db.update(row.ino, { atime: Math.round(atimeMs), mtime: Math.round(mtimeMs), ctime: Date.now() })
    this.syncer.markDirty(row.parent)
  }

  async chmod(path: string, mode: number): Promise<void> {
    const row = this.resolve(path)
    this.db.update(row.ino, { mode: mode & 0o7777, ctime: Date.now() })
    this.syncer.markDirty(row.parent)
  }

  async symlink(target: string, path: string): Promise<void> {
    const { parent, name } = this.parentOf(path)
    if (this.db.lookup(parent.ino, name)) throw new FsError('EEXIST', path)
    this.addEntry(parent.ino, name, { kind: 'symlink', mode: 0o777, target, state: 'synced' })
  }

  async readlink(path: string): Promise<string> {
    const row = this.resolve(path)
    if (row.kind !== 'symlink') throw new FsError('EINVAL', `${path} is not a symlink`)
    return row.target ?? ''
  }

  async statfs(): Promise<StatFs> {
    const { files, bytes } = this.db.totalsNow()
    const total = Math.max(this.opts.capacityBytes?.() ?? 10 * 2 ** 30, bytes)
    return {
      totalBytes: total,
      freeBytes: Math.max(0, total - bytes),
      files,
      filesFree: 1_000_000_000,
      nameMax: NAME_MAX,
    }
  }

  // ---- files ----

  async create(path: string, mode: number): Promise<number> {
    const { parent, name } = this.parentOf(path)
    const existing = this.db.lookup(parent.ino, name)
    if (existing) {
      if (existing.kind === 'dir') throw new FsError('EISDIR', path)
      return this.open(path, { write: true, truncate: true })
    }
    const ino = this.addEntry(parent.ino, name, { kind: 'file', mode: mode & 0o7777, state: 'local' })
    await (await open(this.journal.path(ino), 'w')).close()
    this.journal.track(ino, 0)
    return this.addHandle({ ino, writable: true, dirty: true, append: false })
  }

  async open(path: string, flags: OpenFlags): Promise<number> {
    const row = this.resolve(path)
    if (row.kind === 'dir') {
      if (flags.write) throw new FsError('EISDIR', path)
      return this.addHandle({ ino: row.ino, writable: false, dirty: false, append: false })
    }
    if (row.kind !== 'file') throw new FsError('EINVAL', path)
    if (flags.write) {
      await this.stage(row, flags.truncate === true)
      if (flags.truncate) {
        await (await this.fd(row.ino)).truncate(0)
        this.liveSizes.set(row.ino, 0)
        this.journal.track(row.ino, 0)
        this.markLocal(row)
      }
    }
    return this.addHandle({
      ino: row.ino,
      writable: flags.write,
      dirty: flags.truncate === true,
      append: flags.append === true,
    })
  }

  private addHandle(f: OpenFile): number {
    const fh = this.nextHandle++
    this.handles.set(fh, f)
    return fh
  }

  private handle(fh: number): OpenFile {
    const f = this.handles.get(fh)
    if (!f) throw new FsError('EBADF', `handle ${fh}`)
    return f
  }

  private isOpenForWrite(ino: number): boolean {
    for (const f of this.handles.values()) if (f.ino === ino && f.writable) return true
    return false
  }

  /**
   * Called once a file's content is uploaded: frees its journal space unless
   * it is open for writing. The bookkeeping changes in one tick, so an open()
   * that follows sees no staging file and reads the uploaded content instead.
   */
  private dropStaging(ino: number): boolean {
    if (this.isOpenForWrite(ino)) return false
    const fd = this.fds.get(ino)
    this.fds.delete(ino)
    this.liveSizes.delete(ino)
    void (async () => {
      if (fd) await (await fd).close().catch(() => {})
    })()
    void this.journal.drop(ino)
    return true
  }

  /** Gives a file local content in the journal: its synced content, downloaded, unless it is about to be truncated. */
  private async stage(row: EntryRow, truncating: boolean): Promise<void> {
    if (this.journal.has(row.ino)) return
    const path = this.journal.path(row.ino)
    if (row.handle && !truncating) {
      await this.journal.reserve(row.ino, row.size)
      await this.enc.decryptToFile(this.mapOf(row.handle), this.cache, path)
    } else {
      await (await open(path, 'w')).close()
      this.journal.track(row.ino, 0)
    }
  }

  private fd(ino: number): Promise<FileHandle> {
    let fd = this.fds.get(ino)
    if (!fd) {
      fd = open(this.journal.path(ino), 'r+')
      this.fds.set(ino, fd)
      fd.catch(() => this.fds.delete(ino))
    }
    return fd
  }

  private mapOf(handle: string): DataMap {
    let map = this.maps.get(handle)
    if (!map) {
      map = decodeHandle(handle)
      if (this.maps.size > 1024) this.maps.clear()
      this.maps.set(handle, map)
    }
    return map
  }

  private markLocal(row: EntryRow): void {
    if (row.state !== 'local') this.db.update(row.ino, { state: 'local' })
    this.syncer.touched(row.ino)
  }

  async read(fh: number, position: number, length: number): Promise<Uint8Array> {
    const f = this.handle(fh)
    const row = this.db.get(f.ino)
    if (!row) throw new FsError('ENOENT', `handle ${fh}`)
    if (row.kind === 'dir') throw new FsError('EISDIR', `handle ${fh}`)
    const size = this.sizeOf(row)
    const n = Math.max(0, Math.min(length, size - position))
    if (n === 0) return new Uint8Array(0)
    if (this.journal.has(row.ino)) {
      const out = Buffer.allocUnsafe(n)
      const { bytesRead } = await (await this.fd(row.ino)).read(out, 0, n, position)
      return out.subarray(0, bytesRead)
    }
    if (!row.handle) return new Uint8Array(n)
    try {
      return await this.enc.readRange(this.mapOf(row.handle), this.cache, position, n)
    } catch (err) {
      this.opts.log?.(`read of ${row.name} failed: ${(err as Error).message}`)
      throw new FsError('EIO', `${row.name}: ${(err as Error).message}`)
    }
  }

  async write(fh: number, position: number, data: Uint8Array): Promise<number> {
    const f = this.handle(fh)
    if (!f.writable) throw new FsError('EBADF', 'not open for writing')
    const row = this.db.get(f.ino)
    if (!row) throw new FsError('ENOENT', `handle ${fh}`)
    const size = this.sizeOf(row)
    const at = f.append ? size : position
    const end = Math.max(size, at + data.byteLength)
    await this.journal.reserve(row.ino, end)
    const fd = await this.fd(row.ino)
    let done = 0
    while (done < data.byteLength) {
      const { bytesWritten } = await fd.write(data, done, data.byteLength - done, at + done)
      done += bytesWritten
    }
    this.liveSizes.set(row.ino, end)
    if (!f.dirty) {
      f.dirty = true
      this.markLocal(row)
    } else {
      this.syncer.touched(row.ino)
    }
    return data.byteLength
  }

  async truncate(path: string, size: number): Promise<void> {
    const row = this.resolve(path)
    if (row.kind === 'dir') throw new FsError('EISDIR', path)
    await this.resize(row, size)
    await this.commitFile(row.ino)
  }

  async ftruncate(fh: number, size: number): Promise<void> {
    const f = this.handle(fh)
    const row = this.db.get(f.ino)
    if (!row) throw new FsError('ENOENT', `handle ${fh}`)
    await this.resize(row, size)
    f.dirty = true
  }

  private async resize(row: EntryRow, size: number): Promise<void> {
    if (size < 0) throw new FsError('EINVAL', 'negative size')
    await this.stage(row, size === 0)
    await this.journal.reserve(row.ino, size)
    await (await this.fd(row.ino)).truncate(size)
    this.journal.track(row.ino, size)
    this.liveSizes.set(row.ino, size)
    this.markLocal(row)
  }

  async flush(fh: number): Promise<void> {
    const f = this.handle(fh)
    if (!f.dirty) return
    f.dirty = false
    await this.commitFile(f.ino)
  }

  async fsync(fh: number): Promise<void> {
    const f = this.handle(fh)
    if (!f.dirty && !this.journal.has(f.ino)) return
    f.dirty = false
    await this.commitFile(f.ino)
  }

  async release(fh: number): Promise<void> {
    const f = this.handle(fh)
    if (f.dirty) await this.commitFile(f.ino)
    this.handles.delete(fh)
    if (!this.db.get(f.ino)) await this.forgetContent(f.ino)
  }

  /**
   * Makes a file's local content durable (fsync of its staging file, size and
   * mtime into the database) and queues it for upload. From here on a crash
   * loses nothing: the journal replays it.
   */
  private async commitFile(ino: number): Promise<void> {
    const row = this.db.get(ino)
    if (!row || !this.journal.has(ino)) return
    await (await this.fd(ino)).sync()
    const size = this.liveSizes.get(ino) ?? row.size
    const now = Date.now()
    this.db.update(ino, { size, mtime: now, ctime: now, state: 'queued' })
    this.syncer.queue(ino)
  }
}

function parts(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0)
}
