// The drive: a POSIX-shaped file tree whose files live self-encrypted in the
// network. Changes land in the local journal and SQLite state first (and are
// acknowledged from there), then upload in the background; the tree reaches
// the network as encrypted directory blobs under a signed root record.
import { constants, writeSync } from 'node:fs'
import { chmod, mkdir, open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { SelfEncryptor, decodeHandle } from '../selfenc/index.ts'
import type { DataMap } from '../selfenc/index.ts'
import { ChunkCache } from './chunk-cache.ts'
import { DiskChunks } from './disk-chunks.ts'
import type { DriveChunks, DriveEvent } from './drive-ports.ts'
import { DriveDb, ROOT_INO } from './db.ts'
import type { EntryRow, InodeRow } from './db.ts'
import { FsError } from './fs-types.ts'
import type { Attr, DriveFs, EntryKind, OpenFlags, Owner, StatFs } from './fs-types.ts'
import { Journal } from './journal.ts'
import { DEFAULT_LIVE_SYNC_MS, LiveSync } from './live-sync.ts'
import { OnDemand } from './on-demand.ts'
import type { RootStore } from './root.ts'
import { Syncer } from './syncer.ts'
import type { SyncStatus } from './syncer.ts'
import { DEFAULT_HISTORY_DAYS, VersionStore, pickVersion } from './versions.ts'
import type { ListedVersion } from './versions.ts'
import { RemoteHistory } from './versions-remote.ts'

export type { DriveChunks, DriveEvent }

const NAME_MAX = 255
/** Linux's MAX_LFS_FILESIZE on 64-bit: the largest size a file may have. */
const MAX_FILE_SIZE = 2 ** 63 - 1
const FALLOC_FL_KEEP_SIZE = 1
/** Writes up to one FUSE request's size go straight to the staging file. */
const SYNC_WRITE_MAX = 128 * 1024
const S_ISUID = 0o4000
const S_ISGID = 0o2000
const S_IXGRP = 0o010

export interface DriveOptions {
  /** Local state: drive.sqlite and the journal's staging files (kept private to this user). */
  dir: string
  /** The drive's symmetric key (seals the root pointer). */
  key: Uint8Array
  chunks: DriveChunks
  root: RootStore
  journalLimitBytes?: number
  backpressureMs?: number
  cacheBytes?: number
  /** Bytes of recently read (not kept) chunks the disk cache holds (1 GiB by default); read on every eviction. */
  cacheLimitBytes?: () => number
  commitDelayMs?: number
  /** What statfs reports as the drive's size (the user's donation by default). */
  capacityBytes?: () => number
  /** Who owns entries made without a known caller (default: this process's user). */
  owner?: Owner
  log?: (line: string) => void
  onEvent?: (e: DriveEvent) => void
  /** Names this device in the version history (default: the host name). */
  device?: string
  /** Days of version history kept; older versions are let go at the next commit (default 30). */
  historyDays?: () => number
  /** Where the history's copy in the network is named (a signed record of the owner); none keeps it local. */
  historyStore?: RootStore
  /** How often the root record is read for other devices' changes (ms; 0: never, the tree is this device's alone). */
  liveSyncMs?: number
}

interface OpenFile {
  ino: number
  writable: boolean
  dirty: boolean
  append: boolean
}

const KIND_BY_TYPE = new Map<number, EntryKind>([
  [constants.S_IFREG, 'file'],
  [constants.S_IFIFO, 'fifo'],
  [constants.S_IFSOCK, 'socket'],
  [constants.S_IFCHR, 'char'],
  [constants.S_IFBLK, 'block'],
])

export class Drive implements DriveFs {
  readonly db: DriveDb
  readonly journal: Journal
  readonly syncer: Syncer
  readonly versions: VersionStore
  /** Follows the other devices of the account: their roots merged into this tree. */
  readonly liveSync: LiveSync
  /** Which files are kept on this device, and the disk cache's use. */
  readonly onDemand: OnDemand
  private readonly remoteHistory: RemoteHistory | undefined
  private readonly cache: ChunkCache
  private readonly enc: SelfEncryptor
  private readonly opts: DriveOptions
  private readonly handles = new Map<number, OpenFile>()
  /** Open handles per inode: an inode with none and no names is gone. */
  private readonly openCount = new Map<number, number>()
  /** Operations in progress on a file's staging copy, which must not be dropped under them. */
  private readonly pins = new Map<number, number>()
  private nextHandle = 1
  /** Shared staging-file descriptors, one per file with local content. */
  private readonly fds = new Map<number, Promise<FileHandle>>()
  /** Sizes and modification times of files being written, ahead of the database (updated on flush). */
  private readonly liveSizes = new Map<number, number>()
  private readonly liveTimes = new Map<number, number>()
  private readonly maps = new Map<string, DataMap>()

  private constructor(opts: DriveOptions, db: DriveDb, journal: Journal) {
    this.opts = opts
    this.db = db
    this.journal = journal
    this.enc = new SelfEncryptor()
    const disk = new DiskChunks(join(opts.dir, 'cache'), opts.cacheLimitBytes ?? (() => 2 ** 30), opts.log)
    this.cache = new ChunkCache(opts.chunks, opts.cacheBytes ?? 256 * 2 ** 20, disk)
    this.onDemand = new OnDemand({ db, cache: this.cache, log: opts.log ?? (() => {}) })
    this.versions = new VersionStore(db.db)
    this.remoteHistory =
      opts.historyStore &&
      new RemoteHistory({
        store: opts.historyStore,
        key: opts.key,
        enc: this.enc,
        chunks: opts.chunks,
        source: this.cache,
        versions: this.versions,
        meta: { get: (k) => db.meta(k), set: (k, v) => db.setMeta(k, v) },
        inoAt: (path) => {
          try {
            return this.resolve(path).ino
          } catch {
            return 0
          }
        },
        log: opts.log ?? (() => {}),
      })
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
      onEvent: (e) => {
        if (e.type === 'committed') {
          this.pruneHistory()
          this.syncHistory()
          this.onDemand.changed()
        }
        opts.onEvent?.(e)
      },
      onUploaded: (ino) => this.noteVersion(ino),
      device: opts.device ?? hostname(),
      onCommitFailed: () => this.liveSync.checkSoon(),
    })
    this.liveSync = new LiveSync({
      db,
      syncer: this.syncer,
      enc: this.enc,
      source: this.cache,
      root: opts.root,
      key: opts.key,
      intervalMs: opts.liveSyncMs ?? DEFAULT_LIVE_SYNC_MS,
      device: opts.device ?? hostname(),
      busy: (ino) => {
        const row = db.get(ino)
        const unsynced = row !== undefined && row.state !== 'synced' && row.state !== 'degraded'
        return unsynced || [...this.handles.values()].some((f) => f.ino === ino && f.writable)
      },
      settle: async (result) => {
        for (const { from, to } of result.moved) this.versions.moved(from, to)
        // A staging copy of content the remote replaced would be read instead of it.
        for (const ino of result.replaced) if (this.journal.has(ino)) this.dropStaging(ino)
        for (const ino of result.unlinked) await this.dropIfUnlinked(ino)
        // Files kept on this device that another device changed: their new content is fetched too.
        this.onDemand.changed()
      },
      log: opts.log ?? (() => {}),
      onEvent: (e) => opts.onEvent?.(e),
    })
  }

  /** Opens the drive's local state, replays the journal, and loads the tree from the network if this node has none. */
  static async open(opts: DriveOptions): Promise<Drive> {
    await privateDir(opts.dir)
    const dbPath = join(opts.dir, 'drive.sqlite')
    const db = new DriveDb(dbPath, opts.owner ?? processOwner())
    for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) await chmod(file, 0o600).catch(() => {})
    const journal = await Journal.open(join(opts.dir, 'staging'), {
      limitBytes: opts.journalLimitBytes ?? 2 ** 30,
      backpressureMs: opts.backpressureMs,
      onFull: (needed) => {
        const message = `upload journal full: a write of ${needed} more bytes waits for uploads; writes fail with ENOSPC until they finish`
        opts.log?.(message)
        opts.onEvent?.({ type: 'journal-full', message })
      },
    })
    // Files unlinked while open when the node last stopped: nothing can reach them now.
    for (const ino of db.orphans()) {
      db.removeInode(ino)
      await journal.drop(ino)
    }
    const drive = new Drive(opts, db, journal)
    await drive.syncer.replay()
    await drive.syncer.loadFromNetworkIfEmpty()
    drive.syncer.start()
    if (opts.liveSyncMs !== 0) drive.liveSync.start()
    drive.syncHistory()
    drive.onDemand.changed()
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

  /**
   * Flushes, waits up to `settleMs` for uploads, then stops background work
   * and closes local state. What is still pending stays in the journal and
   * uploads when the drive opens again.
   */
  async close(settleMs = 60_000): Promise<void> {
    await this.liveSync.stop()
    if (settleMs > 0) await this.syncAll(settleMs).catch(() => false)
    else for (const [fh, f] of this.handles) if (f.dirty) await this.fsync(fh).catch(() => {})
    await this.syncer.stop()
    await this.remoteHistory?.stop()
    await this.onDemand.stop()
    for (const fd of this.fds.values()) await (await fd).close().catch(() => {})
    this.fds.clear()
    await this.enc.close()
    this.db.close()
  }

  // ---- paths ----

  private resolve(path: string): EntryRow {
    let row = this.db.get(ROOT_INO)!
    for (const name of parts(path)) {
      if (Buffer.byteLength(name) > NAME_MAX) throw new FsError('ENAMETOOLONG', name)
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

  /** An inode's metadata changed: every directory naming it is re-encrypted. */
  private touchMeta(ino: number): void {
    for (const parent of this.db.parents(ino)) this.syncer.markDirty(parent)
    if (ino === ROOT_INO) this.syncer.markDirty(ROOT_INO)
  }

  /** Adds a new entry to a directory, in one transaction with the directory's own change. */
  private addEntry(
    path: string,
    fields: Pick<InodeRow, 'kind' | 'mode' | 'state'> & { target?: string; rdev?: number },
    owner?: Owner,
  ): number {
    const { parent, name } = this.parentOf(path)
    if (this.db.lookup(parent.ino, name)) throw new FsError('EEXIST', path)
    const now = Date.now()
    // A new entry in a set-group-ID directory takes the directory's group (and a directory keeps the bit).
    const sgid = (parent.mode & S_ISGID) !== 0
    const who = owner ?? this.db.defaultOwner
    return this.db.transaction(() => {
      const ino = this.db.insert({
        parent: parent.ino,
        name,
        size: 0,
        mtime: now,
        ctime: now,
        atime: now,
        handle: null,
        uid: who.uid,
        gid: sgid ? parent.gid : who.gid,
        rdev: fields.rdev ?? 0,
        kind: fields.kind,
        mode: (fields.mode & 0o7777) | (sgid && fields.kind === 'dir' ? S_ISGID : 0),
        state: fields.state,
        target: fields.target ?? null,
      })
      this.touchDir(parent.ino, now)
      return ino
    })
  }

  private sizeOf(row: InodeRow): number {
    return this.liveSizes.get(row.ino) ?? row.size
  }

  // ---- metadata ----

  async getattr(path: string): Promise<Attr> {
    return this.attr(this.resolve(path))
  }

  private attr(row: InodeRow): Attr {
    const size =
      row.kind === 'file'
        ? this.sizeOf(row)
        : row.kind === 'symlink'
          ? Buffer.byteLength(row.target ?? '')
          : row.kind === 'dir'
            ? 4096
            : 0
    const mtime = this.liveTimes.get(row.ino) ?? row.mtime
    return {
      kind: row.kind,
      size,
      mode: row.mode,
      uid: row.uid,
      gid: row.gid,
      rdev: row.rdev,
      mtimeMs: mtime,
      ctimeMs: Math.max(row.ctime, mtime),
      atimeMs: row.atime,
      ino: row.ino,
      nlink: row.kind === 'dir' ? 2 + this.db.countSubdirs(row.ino) : this.db.links(row.ino),
      allocatedBytes: row.kind === 'file' && this.journal.has(row.ino) ? this.journal.usedBy(row.ino) : size,
    }
  }

  /**
   * A file's content as it last reached the network: its size and data map
   * (null for an empty file that never had content). Undefined while the file
   * has changes that have not reached the network yet.
   */
  syncedContent(path: string): { size: number; map: DataMap | null } | undefined {
    const row = this.resolve(path)
    if (row.kind !== 'file') throw new FsError('EISDIR', path)
    if (row.state !== 'synced' && row.state !== 'degraded') return undefined
    if (!row.handle) return row.size === 0 ? { size: 0, map: null } : undefined
    return { size: row.size, map: this.mapOf(row.handle) }
  }

  /**
   * A folder's directory handle as the drive's tree last reached the network;
   * undefined while anything in the drive has changes the network lacks.
   */
  syncedDirHandle(path: string): string | undefined {
    const row = this.resolve(path)
    if (row.kind !== 'dir') throw new FsError('ENOTDIR', path)
    const { state } = this.syncer.status()
    if (state === 'syncing' || state === 'error') return undefined
    return this.db.meta(`dir:${row.ino}`)
  }

  /** Whether a file in the folder at `path` (at any depth) is open for writing. */
  writingIn(path: string): boolean {
    const folder = this.resolve(path).ino
    const inside = (ino: number, depth = 0): boolean =>
      depth < 4096 &&
      this.db.parents(ino).some((p) => p === folder || (p !== ino && p !== ROOT_INO && inside(p, depth + 1)))
    return [...this.handles.values()].some((f) => f.writable && inside(f.ino))
  }

  async readdir(path: string): Promise<string[]> {
    const row = this.resolve(path)
    if (row.kind !== 'dir') throw new FsError('ENOTDIR', path)
    return this.db.list(row.ino).map((r) => r.name)
  }

  async mkdir(path: string, mode: number, owner?: Owner): Promise<void> {
    const ino = this.addEntry(path, { kind: 'dir', mode, state: 'synced' }, owner)
    this.syncer.markDirty(ino)
  }

  async mknod(path: string, mode: number, rdev: number, owner?: Owner): Promise<void> {
    const kind = KIND_BY_TYPE.get(mode & constants.S_IFMT)
    if (!kind)
      throw new FsError('EINVAL', `${path}: mknod of type 0o${(mode & constants.S_IFMT).toString(8)}`)
    // An empty regular file needs no content: it is "synced" as empty from the start.
    const device = kind === 'char' || kind === 'block'
    this.addEntry(path, { kind, mode, state: 'synced', rdev: device ? rdev : 0 }, owner)
  }

  async link(existing: string, path: string): Promise<void> {
    const row = this.resolve(existing)
    if (row.kind === 'dir') throw new FsError('EPERM', `${existing} is a directory`)
    const { parent, name } = this.parentOf(path)
    if (this.db.lookup(parent.ino, name)) throw new FsError('EEXIST', path)
    const now = Date.now()
    this.db.transaction(() => {
      this.db.addLink(parent.ino, name, row.ino)
      this.db.update(row.ino, { ctime: now })
      this.touchDir(parent.ino, now)
    })
    this.touchMeta(row.ino)
  }

  async rmdir(path: string): Promise<void> {
    const row = this.resolve(path)
    if (row.ino === ROOT_INO) throw new FsError('EBUSY', 'cannot remove the drive root')
    if (row.kind !== 'dir') throw new FsError('ENOTDIR', path)
    if (this.db.countChildren(row.ino) > 0) throw new FsError('ENOTEMPTY', path)
    this.db.transaction(() => {
      this.db.removeLink(row.parent, row.name)
      this.db.removeInode(row.ino)
      this.touchDir(row.parent)
    })
    this.syncer.forgetDir(row.ino)
  }

  async unlink(path: string): Promise<void> {
    const row = this.resolve(path)
    if (row.kind === 'dir') throw new FsError('EISDIR', path)
    const now = Date.now()
    this.db.transaction(() => {
      this.db.removeLink(row.parent, row.name)
      this.db.update(row.ino, { ctime: now })
      this.touchDir(row.parent, now)
    })
    await this.dropIfUnlinked(row.ino)
  }

  /** Forgets an inode and its local content once it has no names and nothing has it open. */
  private async dropIfUnlinked(ino: number): Promise<void> {
    if (this.db.links(ino) > 0 || (this.openCount.get(ino) ?? 0) > 0) {
      if (this.db.links(ino) > 0) this.touchMeta(ino)
      return
    }
    this.db.removeInode(ino)
    this.syncer.forgetFile(ino)
    this.liveSizes.delete(ino)
    this.liveTimes.delete(ino)
    const fd = this.fds.get(ino)
    this.fds.delete(ino)
    if (fd) await (await fd).close().catch(() => {})
    await this.journal.drop(ino)
  }

  async rename(from: string, to: string): Promise<void> {
    const row = this.resolve(from)
    if (row.ino === ROOT_INO) throw new FsError('EBUSY', 'cannot move the drive root')
    const { parent, name } = this.parentOf(to)
    // Moving a directory into its own subtree would detach it from the tree.
    for (let p = parent; ; p = this.db.get(p.parent)!) {
      if (p.ino === row.ino) throw new FsError('EINVAL', `${from} into itself`)
      if (p.ino === ROOT_INO) break
    }
    const existing = this.db.lookup(parent.ino, name)
    // Two names of one inode: rename does nothing (POSIX).
    if (existing?.ino === row.ino) return
    if (existing) {
      if (existing.kind === 'dir' && row.kind !== 'dir') throw new FsError('EISDIR', to)
      if (existing.kind !== 'dir' && row.kind === 'dir') throw new FsError('ENOTDIR', to)
      if (existing.kind === 'dir' && this.db.countChildren(existing.ino) > 0)
        throw new FsError('ENOTEMPTY', to)
    }
    const now = Date.now()
    this.db.transaction(() => {
      if (existing) {
        this.db.removeLink(parent.ino, name)
        this.db.update(existing.ino, { ctime: now })
        if (existing.kind === 'dir') this.db.removeInode(existing.ino)
      }
      this.db.rename(row.parent, row.name, parent.ino, name)
      this.db.update(row.ino, { ctime: now })
      this.touchDir(row.parent, now)
      this.touchDir(parent.ino, now)
    })
    this.versions.moved(normalPath(from), normalPath(to))
    if (existing?.kind === 'dir') this.syncer.forgetDir(existing.ino)
    else if (existing) await this.dropIfUnlinked(existing.ino)
    this.touchMeta(row.ino)
  }

  // ---- history ----

  /** The path of one of an inode's names. */
  private pathOf(ino: number): string {
    const names: string[] = []
    for (let row = this.db.get(ino); row && row.ino !== ROOT_INO; row = this.db.get(row.parent)) {
      if (row.parent === row.ino) break
      names.unshift(row.name)
    }
    return `/${names.join('/')}`
  }

  /** A file's uploaded content becomes a version of it. */
  private noteVersion(ino: number): void {
    const row = this.db.get(ino)
    if (!row || row.kind !== 'file' || this.db.links(ino) === 0) return
    // Uploaded while still open for writing (a save truncates, then writes): it becomes a version once closed.
    if (row.state !== 'synced' && row.state !== 'degraded') return
    if ([...this.handles.values()].some((f) => f.ino === ino && f.writable)) return
    this.versions.record({
      path: this.pathOf(ino),
      ino,
      at: Date.now(),
      mtime: row.mtime,
      size: row.size,
      mode: row.mode,
      handle: row.handle,
      device: this.opts.device ?? hostname(),
    })
  }

  /** Reads the versions other devices added and publishes this one's, in the background. */
  private syncHistory(): void {
    this.remoteHistory?.sync().catch(() => {})
  }

  /** Waits until the history's copy in the network has this device's versions (tests, logout). */
  async publishHistory(): Promise<void> {
    await this.remoteHistory?.sync()
  }

  private pruneHistory(): void {
    const days = this.opts.historyDays?.() ?? DEFAULT_HISTORY_DAYS
    const dropped = this.versions.prune(days)
    if (dropped > 0) this.opts.log?.(`history: let go of ${dropped} version(s) older than ${days} days`)
  }

  /** Kept versions of the file at `path`, newest first; the path may be one that no longer exists. */
  listVersions(path: string): {
    path: string
    exists: boolean
    current: number | null
    versions: ListedVersion[]
  } {
    const at = normalPath(path)
    if (parts(at).some((name) => name === '.' || name === '..'))
      throw new FsError('EINVAL', `${path}: a path in the drive has no "." or ".." in it`)
    let row: EntryRow | undefined
    try {
      row = this.resolve(at)
    } catch (err) {
      if (!(err instanceof FsError) || (err.code !== 'ENOENT' && err.code !== 'ENOTDIR')) throw err
    }
    if (row?.kind === 'dir') throw new FsError('EISDIR', `${at} is a folder: versions are kept per file`)
    const versions = this.versions.list(at)
    // The current content: the newest version with the file's handle, unless it has newer local changes.
    const current =
      row && (row.state === 'synced' || row.state === 'degraded')
        ? (versions.find((v) => v.ino === row.ino && v.handle === row.handle) ?? null)
        : null
    return { path: at, exists: row !== undefined, current: current?.number ?? null, versions }
  }

  /**
   * Makes a kept version the file's content again, as a new version: what it
   * had before stays in the history. A deleted file comes back (and the
   * folders it was in). Without a choice, the newest version that is not the
   * current content is restored.
   */
  async restoreVersion(path: string, pick: { number?: number; at?: number } = {}): Promise<ListedVersion> {
    const listing = this.listVersions(path)
    const at = listing.path
    if (listing.versions.length === 0) throw new FsError('ENOENT', `${at} has no versions in its history`)
    const chosen =
      pick.number === undefined && pick.at === undefined
        ? listing.versions.find((v) => v.number !== listing.current)
        : pickVersion(listing.versions, pick)
    if (!chosen) {
      const what =
        pick.number !== undefined
          ? `no version ${pick.number} (it has ${listing.versions.length}, numbered 1 to ${listing.versions[0]!.number})`
          : pick.at !== undefined
            ? `no version from ${new Date(pick.at).toISOString()} or earlier`
            : 'no earlier version than its current content'
      throw new FsError('ENOENT', `${at}: ${what}`)
    }
    const now = Date.now()
    const content = {
      handle: chosen.handle,
      size: chosen.size,
      mtime: now,
      ctime: now,
      state: 'synced' as const,
    }
    let ino: number
    if (listing.exists) {
      const row = this.resolve(at)
      if (row.kind !== 'file') throw new FsError('EINVAL', `${at} is not a file`)
      const writers = [...this.handles.values()].some((f) => f.ino === row.ino && f.writable)
      if (writers) throw new FsError('EBUSY', `${at} is open for writing; close it, then restore`)
      if (row.state !== 'synced' && row.state !== 'degraded')
        throw new FsError('EBUSY', `${at} has changes that are not uploaded yet; restore once it has synced`)
      if (this.journal.has(row.ino) && !this.dropStaging(row.ino))
        throw new FsError('EBUSY', `${at} is open; close it, then restore`)
      this.syncer.forgetFile(row.ino)
      this.db.update(row.ino, { ...content, error: null })
      this.touchMeta(row.ino)
      ino = row.ino
    } else {
      await this.makeParents(at)
      ino = this.addEntry(at, { kind: 'file', mode: chosen.mode, state: 'synced' })
      this.db.update(ino, content)
    }
    this.versions.record({
      ...chosen,
      path: at,
      ino,
      at: now,
      mtime: now,
      device: this.opts.device ?? hostname(),
    })
    this.opts.log?.(`restored ${at} to version ${chosen.number} (${new Date(chosen.at).toISOString()})`)
    return chosen
  }

  /** The folders a recovered file was in, made again where they are gone. */
  private async makeParents(path: string): Promise<void> {
    const names = parts(path).slice(0, -1)
    for (let i = 1; i <= names.length; i++) {
      const dir = `/${names.slice(0, i).join('/')}`
      const row = this.db.lookup(
        i === 1 ? ROOT_INO : this.resolve(`/${names.slice(0, i - 1).join('/')}`).ino,
        names[i - 1]!,
      )
      if (!row) await this.mkdir(dir, 0o755)
      else if (row.kind !== 'dir') throw new FsError('ENOTDIR', `${dir} is not a folder`)
    }
  }

  async utimens(path: string, atimeMs: number | null, mtimeMs: number | null): Promise<void> {
    const row = this.resolve(path)
    const fields: Partial<InodeRow> = { ctime: Date.now() }
    if (atimeMs !== null) fields.atime = Math.round(atimeMs)
    if (mtimeMs !== null) {
      fields.mtime = Math.round(mtimeMs)
      this.liveTimes.delete(row.ino)
    }
    this.db.update(row.ino, fields)
    this.touchMeta(row.ino)
  }

  async chmod(path: string, mode: number): Promise<void> {
    const row = this.resolve(path)
    this.db.update(row.ino, { mode: mode & 0o7777, ctime: Date.now() })
    this.touchMeta(row.ino)
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    const row = this.resolve(path)
    const fields: Partial<InodeRow> = { ctime: Date.now() }
    if (uid !== -1 && uid !== 0xffff_ffff) fields.uid = uid
    if (gid !== -1 && gid !== 0xffff_ffff) fields.gid = gid
    // As on Linux: a change of owner clears set-user-ID, and set-group-ID where it means "run as group".
    if (row.kind !== 'dir' && (fields.uid !== undefined || fields.gid !== undefined)) {
      let mode = row.mode & ~S_ISUID
      if (row.mode & S_IXGRP) mode &= ~S_ISGID
      fields.mode = mode
    }
    this.db.update(row.ino, fields)
    this.touchMeta(row.ino)
  }

  async symlink(target: string, path: string, owner?: Owner): Promise<void> {
    this.addEntry(path, { kind: 'symlink', mode: 0o777, target, state: 'synced' }, owner)
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

  async create(path: string, mode: number, owner?: Owner): Promise<number> {
    const { parent, name } = this.parentOf(path)
    const existing = this.db.lookup(parent.ino, name)
    if (existing) {
      if (existing.kind === 'dir') throw new FsError('EISDIR', path)
      return this.open(path, { write: true, truncate: true })
    }
    const ino = this.addEntry(path, { kind: 'file', mode, state: 'local' }, owner)
    await this.newStagingFile(ino)
    this.liveSizes.set(ino, 0)
    return this.addHandle({ ino, writable: true, dirty: true, append: false })
  }

  async open(path: string, flags: OpenFlags): Promise<number> {
    const row = this.resolve(path)
    if (row.kind === 'dir') {
      if (flags.write) throw new FsError('EISDIR', path)
      return this.addHandle({ ino: row.ino, writable: false, dirty: false, append: false })
    }
    if (row.kind !== 'file') throw new FsError('EINVAL', path)
    // The handle is counted first, so no finished upload drops the staging copy under this open.
    const fh = this.addHandle({
      ino: row.ino,
      writable: flags.write,
      dirty: flags.truncate === true,
      append: flags.append === true,
    })
    try {
      if (flags.write) {
        await this.stage(row, flags.truncate === true)
        if (flags.truncate) {
          await (await this.fd(row.ino)).truncate(0)
          this.liveSizes.set(row.ino, 0)
          this.liveTimes.set(row.ino, Date.now())
          this.journal.track(row.ino, 0)
          this.markLocal(row)
        }
      }
    } catch (err) {
      this.removeHandle(fh)
      throw err
    }
    return fh
  }

  private addHandle(f: OpenFile): number {
    const fh = this.nextHandle++
    this.handles.set(fh, f)
    this.openCount.set(f.ino, (this.openCount.get(f.ino) ?? 0) + 1)
    return fh
  }

  private removeHandle(fh: number): void {
    const f = this.handles.get(fh)
    if (!f) return
    this.handles.delete(fh)
    const left = (this.openCount.get(f.ino) ?? 1) - 1
    if (left > 0) this.openCount.set(f.ino, left)
    else this.openCount.delete(f.ino)
  }

  private handle(fh: number): OpenFile {
    const f = this.handles.get(fh)
    if (!f) throw new FsError('EBADF', `handle ${fh}`)
    return f
  }

  /** Runs `work` with the staging copy of `ino` held in place. */
  private async pinned<T>(ino: number, work: () => Promise<T>): Promise<T> {
    this.pins.set(ino, (this.pins.get(ino) ?? 0) + 1)
    try {
      return await work()
    } finally {
      const left = (this.pins.get(ino) ?? 1) - 1
      if (left > 0) this.pins.set(ino, left)
      else this.pins.delete(ino)
    }
  }

  /**
   * Called once a file's content is safely in the network: frees its journal
   * space unless the file is open or an operation is using its staging copy.
   * The bookkeeping changes in one tick, so an open() that follows sees no
   * staging file and reads the uploaded content instead.
   */
  private dropStaging(ino: number): boolean {
    if ((this.openCount.get(ino) ?? 0) > 0 || this.pins.has(ino)) return false
    const fd = this.fds.get(ino)
    this.fds.delete(ino)
    this.liveSizes.delete(ino)
    this.liveTimes.delete(ino)
    void (async () => {
      if (fd) await (await fd).close().catch(() => {})
    })()
    void this.journal.drop(ino)
    return true
  }

  private async newStagingFile(ino: number): Promise<void> {
    await (await open(this.journal.path(ino), 'w', 0o600)).close()
    this.journal.track(ino, 0)
  }

  /** Gives a file local content in the journal: its synced content, downloaded, unless it is about to be truncated. */
  private async stage(row: InodeRow, truncating: boolean): Promise<void> {
    if (this.journal.has(row.ino)) return
    const path = this.journal.path(row.ino)
    if (row.handle && !truncating) {
      await this.journal.reserve(row.ino, row.size)
      try {
        await this.enc.decryptToFile(this.mapOf(row.handle), this.cache, path)
        await chmod(path, 0o600)
      } catch (err) {
        await this.journal.drop(row.ino)
        throw readFailure(row, err, this.opts.log)
      }
    } else {
      await this.newStagingFile(row.ino)
      // A file with no uploaded content (an mknod'ed one, or still-empty) has only its size.
      if (row.size > 0 && !row.handle) await (await this.fd(row.ino)).truncate(row.size)
    }
    this.liveSizes.set(row.ino, row.size)
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

  private markLocal(row: InodeRow): void {
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
      throw readFailure(row, err, this.opts.log)
    }
  }

  async write(fh: number, position: number, data: Uint8Array): Promise<number> {
    const f = this.handle(fh)
    if (!f.writable) throw new FsError('EBADF', 'not open for writing')
    const ino = f.ino
    const size = this.liveSizes.get(ino) ?? this.db.get(ino)?.size ?? 0
    const at = f.append ? size : position
    const end = at + data.byteLength
    if (end > MAX_FILE_SIZE) throw new FsError('EFBIG', `write to ${end} bytes`)
    // Room in the journal for the bytes this write adds past the end; a hole costs nothing.
    await this.journal.reserve(ino, end > size ? end - Math.max(size, at) : 0)
    const fd = await this.fd(ino)
    let done = 0
    while (done < data.byteLength) {
      // A kernel request (at most 128 KiB) lands in the page cache in a few µs: written at once,
      // it costs a fifth of a round trip through the thread pool. Larger writes go there.
      done +=
        data.byteLength <= SYNC_WRITE_MAX
          ? writeSync(fd.fd, data, done, data.byteLength - done, at + done)
          : (await fd.write(data, done, data.byteLength - done, at + done)).bytesWritten
    }
    this.liveSizes.set(ino, Math.max(end, this.liveSizes.get(ino) ?? size))
    this.liveTimes.set(ino, Date.now())
    if (!f.dirty) {
      f.dirty = true
      const row = this.db.get(ino)
      if (row) this.markLocal(row)
    } else {
      this.syncer.touched(ino)
    }
    return data.byteLength
  }

  async truncate(path: string, size: number): Promise<void> {
    const row = this.resolve(path)
    if (row.kind === 'dir') throw new FsError('EISDIR', path)
    if (row.kind !== 'file') throw new FsError('EINVAL', path)
    await this.pinned(row.ino, async () => {
      await this.resize(row, size)
      await this.commitFile(row.ino)
    })
  }

  async ftruncate(fh: number, size: number): Promise<void> {
    const f = this.handle(fh)
    const row = this.db.get(f.ino)
    if (!row) throw new FsError('ENOENT', `handle ${fh}`)
    await this.resize(row, size)
    f.dirty = true
  }

  private async resize(row: InodeRow, size: number): Promise<void> {
    if (size < 0) throw new FsError('EINVAL', 'negative size')
    if (size > MAX_FILE_SIZE) throw new FsError('EFBIG', `size ${size}`)
    await this.stage(row, size === 0)
    await (await this.fd(row.ino)).truncate(size)
    // Growing leaves a hole, which takes no journal space; shrinking frees what was cut.
    this.journal.track(row.ino, Math.min(this.journal.usedBy(row.ino), size))
    this.liveSizes.set(row.ino, size)
    this.liveTimes.set(row.ino, Date.now())
    this.markLocal(row)
  }

  async fallocate(fh: number, mode: number, offset: number, length: number): Promise<void> {
    const f = this.handle(fh)
    if (mode & ~FALLOC_FL_KEEP_SIZE) throw new FsError('EOPNOTSUPP', `fallocate mode 0x${mode.toString(16)}`)
    if (offset < 0 || length <= 0) throw new FsError('EINVAL', `fallocate ${offset}+${length}`)
    if (!f.writable) throw new FsError('EBADF', 'not open for writing')
    const row = this.db.get(f.ino)
    if (!row) throw new FsError('ENOENT', `handle ${fh}`)
    const end = offset + length
    if (end > MAX_FILE_SIZE) throw new FsError('EFBIG', `fallocate to ${end} bytes`)
    await this.stage(row, false)
    const size = this.sizeOf(row)
    // The journal reserves the room, so that writes into the range cannot run out of it.
    await this.journal.reserve(row.ino, Math.max(0, end - Math.max(size, offset)))
    if (mode & FALLOC_FL_KEEP_SIZE || end <= size) return
    await (await this.fd(row.ino)).truncate(end)
    this.liveSizes.set(row.ino, end)
    this.liveTimes.set(row.ino, Date.now())
    this.markLocal(row)
    f.dirty = true
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
    if (f.dirty) await this.commitFile(f.ino).catch(() => {})
    this.removeHandle(fh)
    // Content uploaded while it was open for writing is a version now that it is closed.
    if (f.writable) this.noteVersion(f.ino)
    if (this.openCount.has(f.ino)) return
    if (!this.db.get(f.ino) || this.db.links(f.ino) === 0) return this.dropIfUnlinked(f.ino)
    // Closed, and its content already safely in the network: the staging copy can go.
    if (this.db.get(f.ino)?.state === 'synced' && this.journal.has(f.ino)) this.dropStaging(f.ino)
  }

  /**
   * Makes a file's local content durable (fsync of its staging file, size and
   * mtime into the database) and queues it for upload. From here on a crash
   * loses nothing: the journal replays it.
   */
  private async commitFile(ino: number): Promise<void> {
    const row = this.db.get(ino)
    if (!row || !this.journal.has(ino)) return
    const fd = await this.fd(ino)
    await fd.sync()
    // What the staging file really takes on disk (sparse files less than their size).
    const { blocks } = await fd.stat()
    this.journal.track(ino, blocks * 512)
    const size = this.liveSizes.get(ino) ?? row.size
    const mtime = this.liveTimes.get(ino) ?? row.mtime
    this.liveTimes.delete(ino)
    this.db.update(ino, { size, mtime, ctime: Math.max(row.ctime, mtime), state: 'queued' })
    this.syncer.queue(ino)
  }
}

function parts(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0)
}

/** A drive path as history keys it: "/a/b", whatever slashes it came with. */
function normalPath(path: string): string {
  return `/${parts(path).join('/')}`
}

function processOwner(): Owner {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
}

/** The drive's own directories are readable by this user alone: they hold plaintext and keys. */
async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
}

function readFailure(row: EntryRow | InodeRow, err: unknown, log?: (line: string) => void): FsError {
  if (err instanceof FsError) return err
  const name = 'name' in row ? row.name : `inode ${row.ino}`
  log?.(`read of ${name} failed: ${(err as Error).message}`)
  return new FsError('EIO', `${name}: ${(err as Error).message}`)
}
