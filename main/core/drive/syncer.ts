// Background sync of the drive: uploads queued files from the journal (with
// retries and per-file progress), then commits the tree — changed directories
// re-encrypted copy-on-write up to the root, and the root pointer published
// as a new version of the signed root record. Commits are batched. A file is
// "synced" only when R vaults other than this node hold every chunk of it and
// the tree that names it; below that it is "degraded (k of R)", keeps its
// staging copy and is uploaded again until it gets there.
import { stat } from 'node:fs/promises'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import { RecordStaleError } from '../records/errors.ts'
import { dataMapSize, decodeHandle, encodeHandle } from '../selfenc/index.ts'
import type { SelfEncryptor } from '../selfenc/index.ts'
import type { DriveDb } from './db.ts'
import { ROOT_INO } from './db.ts'
import type { DriveChunks, DriveEvent } from './drive-ports.ts'
import type { Journal } from './journal.ts'
import { openRoot, sealRoot } from './root.ts'
import type { RootStore } from './root.ts'
import { encodeRootDirectory } from './merge-tree.ts'
import { decodeDirectory, encodeDirectory } from './tree-codec.ts'
import type { DirEntry } from './tree-codec.ts'

export interface SyncStatus {
  state: 'synced' | 'syncing' | 'degraded' | 'error'
  files_pending: number
  bytes_pending: number
  uploading: { ino: number; name: string; done: number; total: number }[]
  errors: { name: string; error: string }[]
  root_version: number
  /** Files whose least-held chunk has fewer than `of` copies on vaults other than this node. */
  files_degraded: number
  degraded: { name: string; copies: number; of: number }[]
  /** Copies of the drive's tree (directories and root record) on other vaults, when below R. */
  tree_copies?: number
}

export interface SyncerComponents {
  db: DriveDb
  journal: Journal
  enc: SelfEncryptor
  chunks: DriveChunks
  source: Pick<DriveChunks, 'get'>
  root: RootStore
  key: Uint8Array
  commitDelayMs: number
  /** Frees a file's staging copy after upload; false when it is still open for writing. */
  dropStaging: (ino: number) => boolean
  log: (line: string) => void
  onEvent: (e: DriveEvent) => void
  /** A file's new content reached the network: history keeps it as a version. */
  onUploaded?: (ino: number) => void
  /** Names this device in the roots it commits (another device's conflict copies say whose edit they hold). */
  device?: string
  /** A commit failed, perhaps refused as stale because another device published first. */
  onCommitFailed?: () => void
}

const UPLOAD_LANES = 2
const MAX_BACKOFF_MS = 30_000
/** A degraded file or tree is tried again at this pace: more vaults may have appeared. */
const DEGRADED_RETRY_MS = [2_000, 5_000, 15_000, 30_000]

export class Syncer {
  private readonly c: SyncerComponents
  private readonly queued = new Set<number>()
  private readonly generation = new Map<number, number>()
  private readonly progress = new Map<number, { done: number; total: number }>()
  private readonly attempts = new Map<number, number>()
  private readonly retryTimers = new Map<number, NodeJS.Timeout>()
  private readonly dirty = new Set<number>()
  private readonly uploadingNow = new Set<number>()
  /** Uploads of files removed meanwhile: they stop at their next chunk. */
  private readonly cancelled = new Set<number>()
  /** Files waiting to be tried again because they are below R: nothing a flush can hurry. */
  private readonly waitingForCopies = new Set<number>()
  /** Remote copies of the tree as of the last commit (R when fully held). */
  private treeCopies: number
  private treeRetries = 0
  private treeRetryTimer: NodeJS.Timeout | undefined
  private readonly replicas: number
  private lanes = 0
  private commitTimer: NodeJS.Timeout | undefined
  private committing: Promise<void> | undefined
  private commitAgain = false
  /** A merge of another device's tree is running: no commit starts until it ends. */
  private held: Promise<unknown> | undefined
  private running = false
  private readonly idleWaiters = new Set<() => void>()

  constructor(components: SyncerComponents) {
    this.c = components
    this.replicas = components.chunks.replicas ?? DEFAULT_REPLICAS
    this.treeCopies = Number(components.db.meta('tree_copies') ?? this.replicas)
  }

  /**
   * The chunk sink of one upload: each put asks how many vaults other than
   * this node hold the chunk, and the fewest is the upload's copy count.
   */
  private countingSink(ino?: number): {
    put: (a: Uint8Array, b: Uint8Array) => Promise<void>
    copies: () => number
  } {
    let least = Infinity
    const chunks = this.c.chunks
    // Runs of equal chunks (a sparse file's holes) are stored once per upload.
    const stored = new Set<string>()
    return {
      put: async (address, bytes) => {
        // A file removed (or a drive stopped) mid-upload stops at its next chunk.
        if (ino !== undefined && (!this.running || this.cancelled.has(ino))) throw new UploadCancelled()
        const key = Buffer.from(address).toString('hex')
        if (stored.has(key)) return
        if (chunks.putCopies) least = Math.min(least, await chunks.putCopies(address, bytes))
        else await chunks.put(address, bytes)
        if (stored.size > 4096) stored.clear()
        stored.add(key)
      },
      // A file with no chunks of its own (inline in its data map) lives in its directory.
      copies: () => (least === Infinity ? this.replicas : least),
    }
  }

  /** After a crash or restart: every file with unuploaded content goes back in the queue. */
  async replay(): Promise<void> {
    for (const row of this.c.db.pending()) {
      if (this.c.journal.has(row.ino)) {
        const { size } = await stat(this.c.journal.path(row.ino))
        this.c.db.update(row.ino, { size, state: 'queued' })
        this.queued.add(row.ino)
      } else if (row.state === 'degraded') {
        // Uploaded below R and its staging copy gone: it stays degraded, and vault audits may still lift it.
        continue
      } else {
        // Nothing local survived (created but never written): keep what the network has.
        this.c.db.update(row.ino, {
          state: 'synced',
          size: row.handle ? dataMapSize(decodeHandle(row.handle)) : 0,
        })
      }
    }
    for (const ino of this.c.journal.inos()) {
      const row = this.c.db.get(ino)
      if (!row || row.kind !== 'file') await this.c.journal.drop(ino)
    }
    if (this.queued.size > 0) this.c.log(`journal replay: ${this.queued.size} files to upload`)
    const dirtyDirs = this.c.db.meta('dirty_dirs')
    if (dirtyDirs) for (const ino of JSON.parse(dirtyDirs) as number[]) this.dirty.add(ino)
  }

  /** A node with no tree of its own takes the drive's tree from the network. */
  async loadFromNetworkIfEmpty(): Promise<void> {
    if (this.c.db.meta('root_version') !== undefined || this.c.db.countChildren(ROOT_INO) > 0) return
    const record = await this.c.root.load()
    if (!record) return
    const rootHandle = openRoot(this.c.key, record.payload)
    const inodeOfLink = new Map<number, number>()
    const owner = this.c.db.defaultOwner
    const load = async (handle: string, parent: number): Promise<void> => {
      const entries = decodeDirectory(await this.c.enc.decrypt(decodeHandle(handle), this.c.source))
      for (const e of entries) {
        const linked = e.link !== undefined && e.kind !== 'dir' ? inodeOfLink.get(e.link) : undefined
        if (linked !== undefined) {
          this.c.db.addLink(parent, e.name, linked)
          continue
        }
        const ino = this.c.db.insert({
          parent,
          name: e.name,
          kind: e.kind,
          mode: e.mode,
          uid: e.uid ?? owner.uid,
          gid: e.gid ?? owner.gid,
          rdev: e.rdev ?? 0,
          size: e.size,
          mtime: e.mtime,
          ctime: e.mtime,
          atime: e.mtime,
          target: e.target ?? null,
          handle: e.kind === 'file' ? (e.handle ?? null) : null,
          state: 'synced',
        })
        if (e.link !== undefined && e.kind !== 'dir') inodeOfLink.set(e.link, ino)
        if (e.kind === 'dir' && e.handle) {
          this.c.db.setMeta(`dir:${ino}`, e.handle)
          await load(e.handle, ino)
        }
      }
    }
    await load(rootHandle, ROOT_INO)
    this.c.db.setMeta(`dir:${ROOT_INO}`, rootHandle)
    this.c.db.setMeta('tip_root', rootHandle)
    this.c.db.setMeta('shared_root', rootHandle)
    this.c.db.setMeta('root_version', String(record.version))
    this.c.log(`loaded the drive's tree (root version ${record.version})`)
  }

  start(): void {
    this.running = true
    this.pump()
    if (this.dirty.size > 0) this.scheduleCommit()
  }

  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.commitTimer)
    for (const t of this.retryTimers.values()) clearTimeout(t)
    clearTimeout(this.treeRetryTimer)
    await this.committing
    // Uploads stop at their next chunk; the journal replays them at the next start.
    const deadline = Date.now() + 10_000
    while (this.lanes > 0 && Date.now() < deadline) await this.nextChange()
  }

  /** The content of `ino` changed (a write): an upload running now is stale. */
  touched(ino: number): void {
    this.generation.set(ino, (this.generation.get(ino) ?? 0) + 1)
    // Its result would be thrown away: stop it at the next chunk and leave the CPU to the writer.
    if (this.uploadingNow.has(ino)) this.cancelled.add(ino)
  }

  queue(ino: number): void {
    if (this.waitingForCopies.delete(ino)) {
      clearTimeout(this.retryTimers.get(ino))
      this.retryTimers.delete(ino)
    }
    this.touched(ino)
    this.queued.add(ino)
    this.pump()
  }

  /** A directory's listing changed: it and every directory above it need re-encrypting. */
  markDirty(ino: number): void {
    for (let at = ino; ;) {
      this.dirty.add(at)
      const row = this.c.db.get(at)
      if (!row || at === ROOT_INO) break
      at = row.parent
    }
    this.c.db.setMeta('dirty_dirs', JSON.stringify([...this.dirty]))
    this.scheduleCommit()
  }

  forgetDir(ino: number): void {
    this.dirty.delete(ino)
  }

  forgetFile(ino: number): void {
    if (this.uploadingNow.has(ino)) this.cancelled.add(ino)
    this.queued.delete(ino)
    this.waitingForCopies.delete(ino)
    this.progress.delete(ino)
    clearTimeout(this.retryTimers.get(ino))
    this.retryTimers.delete(ino)
  }

  status(): SyncStatus {
    const pending = this.c.db.pending()
    const errors = pending
      .filter((r) => r.state === 'error')
      .map((r) => ({ name: r.name, error: r.error ?? '' }))
    const degraded = pending
      .filter((r) => r.state === 'degraded')
      .map((r) => ({ name: r.name, copies: r.copies ?? 0, of: this.replicas }))
    const treeDegraded = this.treeCopies < this.replicas
    const busy =
      pending.some((r) => r.state !== 'degraded') || this.dirty.size > 0 || this.committing !== undefined
    return {
      state:
        errors.length > 0
          ? 'error'
          : busy
            ? 'syncing'
            : degraded.length > 0 || treeDegraded
              ? 'degraded'
              : 'synced',
      files_degraded: degraded.length,
      degraded,
      ...(treeDegraded ? { tree_copies: this.treeCopies } : {}),
      files_pending: pending.length,
      bytes_pending: pending.reduce((sum, r) => sum + r.size - (this.progress.get(r.ino)?.done ?? 0), 0),
      uploading: [...this.progress].map(([ino, p]) => ({ ino, name: this.c.db.get(ino)?.name ?? '', ...p })),
      errors,
      root_version: Number(this.c.db.meta('root_version') ?? 0),
    }
  }

  /**
   * Runs `work` with no commit running and none starting until it ends: a
   * merge of another device's tree changes what a commit would encode.
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.committing || this.held) await (this.committing ?? this.held)
    const run = work()
    this.held = run.catch(() => {})
    try {
      return await run
    } finally {
      this.held = undefined
      this.wakeWaiters()
      if (this.dirty.size > 0) this.scheduleCommit()
    }
  }

  /** This device has tree changes the network does not have yet. */
  hasLocalChanges(): boolean {
    return this.dirty.size > 0 || this.committing !== undefined
  }

  /** Resolves true once nothing is queued, uploading or waiting to be committed. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!this.idle()) {
      if (Date.now() > deadline) return false
      if (this.dirty.size > 0 && !this.committing && this.lanes === 0 && this.queued.size === 0) {
        clearTimeout(this.commitTimer)
        this.commitTimer = undefined
        await this.commit()
        continue
      }
      await this.nextChange()
    }
    return true
  }

  /** Resolves when an upload or commit ends, or after 100 ms at most. */
  private nextChange(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(wake, 100)
      function wake(): void {
        clearTimeout(timer)
        resolve()
      }
      this.idleWaiters.add(wake)
    })
  }

  private idle(): boolean {
    return (
      this.queued.size === 0 &&
      this.lanes === 0 &&
      this.dirty.size === 0 &&
      !this.committing &&
      this.retryTimers.size === this.waitingForCopies.size
    )
  }

  private wakeWaiters(): void {
    for (const wake of this.idleWaiters) wake()
    this.idleWaiters.clear()
  }

  private pump(): void {
    if (!this.running) return
    while (this.lanes < UPLOAD_LANES) {
      // One upload of a file at a time; a newer version waits in the queue for it.
      const ino = [...this.queued].find((i) => !this.uploadingNow.has(i))
      if (ino === undefined) break
      this.queued.delete(ino)
      this.uploadingNow.add(ino)
      this.lanes++
      void this.upload(ino).finally(() => {
        this.uploadingNow.delete(ino)
        this.cancelled.delete(ino)
        this.lanes--
        this.wakeWaiters()
        this.pump()
      })
    }
  }

  private async upload(ino: number): Promise<void> {
    const row = this.c.db.get(ino)
    if (!row || row.kind !== 'file' || !this.c.journal.has(ino)) return
    const generation = this.generation.get(ino) ?? 0
    // A degraded file tried again stays "degraded" while it goes: it is uploaded, just not held enough.
    if (row.state !== 'degraded') this.c.db.update(ino, { state: 'uploading', error: null })
    this.progress.set(ino, { done: 0, total: row.size })
    try {
      if (this.cancelled.has(ino)) return
      const sink = this.countingSink(ino)
      const map = await this.c.enc.encryptFile(this.c.journal.path(ino), sink, (done, total) =>
        this.progress.set(ino, { done, total }),
      )
      const now = this.c.db.get(ino)
      if (!now) return
      if ((this.generation.get(ino) ?? 0) !== generation) {
        // Written to while uploading: the writer's next flush queues it (a second flush already has),
        // so a file still growing is not uploaded again and again.
        if (now.state === 'uploading') {
          this.c.db.update(ino, { state: 'queued' })
          this.queued.add(ino)
        }
        return
      }
      const copies = sink.copies()
      const degraded = copies < this.replicas
      const handle = encodeHandle(map)
      const changed = handle !== now.handle
      this.c.db.update(ino, {
        handle,
        size: dataMapSize(map),
        state: degraded ? 'degraded' : 'synced',
        error: null,
        copies: Math.min(copies, this.replicas),
      })
      // The same bytes again (a degraded file tried anew) give the same handle: the tree is as it was.
      if (changed) for (const parent of this.c.db.parents(ino)) this.markDirty(parent)
      if (changed) this.c.onUploaded?.(ino)
      if (degraded) {
        // Uploaded, but not yet held by R other vaults: keep the staging copy and try again.
        const attempt = (this.attempts.get(ino) ?? 0) + 1
        this.attempts.set(ino, attempt)
        if (attempt === 1) {
          const message = `${row.name}: ${copies} of ${this.replicas} copies on other vaults; trying again`
          this.c.log(`upload degraded: ${message}`)
          this.c.onEvent({ type: 'degraded', message })
        }
        this.retryLater(ino, DEGRADED_RETRY_MS[Math.min(attempt, DEGRADED_RETRY_MS.length) - 1]!)
        this.waitingForCopies.add(ino)
        return
      }
      this.attempts.delete(ino)
      this.c.dropStaging(ino)
    } catch (err) {
      const still = this.c.db.get(ino)
      if (err instanceof UploadCancelled) {
        // Cancelled by a write, the file is "local" and its flush queues it; otherwise it goes again.
        if (still?.state === 'uploading') {
          this.c.db.update(ino, { state: 'queued' })
          this.queued.add(ino)
        }
        return
      }
      if (!still) return
      if ((this.generation.get(ino) ?? 0) !== generation) {
        // The file changed under the upload (it was being written): the newer version goes next.
        this.c.db.update(ino, { state: 'queued' })
        this.queued.add(ino)
        return
      }
      const message = (err as Error).message
      const attempt = (this.attempts.get(ino) ?? 0) + 1
      this.attempts.set(ino, attempt)
      this.c.db.update(ino, { state: 'error', error: message })
      this.c.log(`upload of ${row.name} failed (attempt ${attempt}): ${message}`)
      this.c.onEvent({ type: 'sync-error', message: `${row.name}: ${message}` })
      this.retryLater(ino, Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt, 10)))
    } finally {
      this.progress.delete(ino)
    }
  }

  private retryLater(ino: number, delayMs: number): void {
    clearTimeout(this.retryTimers.get(ino))
    this.waitingForCopies.delete(ino)
    const timer = setTimeout(() => {
      this.retryTimers.delete(ino)
      this.waitingForCopies.delete(ino)
      if (!this.c.db.get(ino)) return
      this.queued.add(ino)
      this.pump()
    }, delayMs)
    timer.unref()
    this.retryTimers.set(ino, timer)
  }

  private scheduleCommit(): void {
    if (!this.running || this.commitTimer) return
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined
      void this.commit()
    }, this.c.commitDelayMs)
    this.commitTimer.unref()
  }

  /** Re-encrypts changed directories, bottom-up, and publishes the new root. */
  private async commit(): Promise<void> {
    while (this.held) await this.held
    if (this.committing) {
      this.commitAgain = true
      return this.committing
    }
    this.committing = (async () => {
      try {
        const dirtyNow = new Set(this.dirty)
        this.dirty.clear()
        try {
          const sink = this.countingSink()
          const rootHandle = await this.encodeDir(ROOT_INO, dirtyNow, sink)
          const version = BigInt(this.c.db.meta('root_version') ?? '0') + 1n
          const payload = sealRoot(this.c.key, rootHandle)
          let copies = sink.copies()
          if (this.c.root.saveCopies)
            copies = Math.min(copies, await this.c.root.saveCopies(version, payload))
          else await this.c.root.save(version, payload)
          this.c.db.setMeta('root_version', String(version))
          this.c.db.setMeta('tip_root', rootHandle)
          this.c.db.setMeta('dirty_dirs', JSON.stringify([...this.dirty]))
          this.noteTreeCopies(copies)
          this.c.onEvent({ type: 'committed', message: `root version ${version}` })
        } catch (err) {
          for (const ino of dirtyNow) this.dirty.add(ino)
          // Refused as stale: another device of the account published first. Not an error to show:
          // its root is merged here (drive/live-sync.ts) and this commit goes again on top of it.
          const stale = err instanceof RecordStaleError
          if (stale)
            this.c.log(`commit waits for another device's root to be merged: ${(err as Error).message}`)
          else {
            this.c.log(`commit failed, will retry: ${(err as Error).message}`)
            this.c.onEvent({ type: 'sync-error', message: `commit: ${(err as Error).message}` })
          }
          this.c.onCommitFailed?.()
          await new Promise((r) => setTimeout(r, stale ? 200 : 1000).unref())
        }
      } finally {
        this.committing = undefined
        this.wakeWaiters()
      }
      if (this.commitAgain || this.dirty.size > 0) {
        this.commitAgain = false
        this.scheduleCommit()
      }
    })()
    return this.committing
  }

  /**
   * The tree below R: every directory is written again after a while, since
   * directory blobs are stored like chunks and more vaults may be reachable.
   */
  private noteTreeCopies(copies: number): void {
    this.treeCopies = Math.min(copies, this.replicas)
    this.c.db.setMeta('tree_copies', String(this.treeCopies))
    clearTimeout(this.treeRetryTimer)
    if (this.treeCopies >= this.replicas) {
      this.treeRetries = 0
      return
    }
    const delay = DEGRADED_RETRY_MS[Math.min(++this.treeRetries, DEGRADED_RETRY_MS.length) - 1]!
    this.treeRetryTimer = setTimeout(() => {
      for (const row of this.c.db.listDirs()) this.dirty.add(row)
      this.dirty.add(ROOT_INO)
      void this.commit()
    }, delay)
    this.treeRetryTimer.unref()
  }

  private async encodeDir(
    ino: number,
    dirty: Set<number>,
    sink: { put: (a: Uint8Array, b: Uint8Array) => Promise<void> },
  ): Promise<string> {
    const cached = this.c.db.meta(`dir:${ino}`)
    if (cached && !dirty.has(ino)) return cached
    const entries: DirEntry[] = []
    for (const row of this.c.db.list(ino)) {
      const base: Omit<DirEntry, 'size'> = {
        name: row.name,
        kind: row.kind,
        mode: row.mode,
        mtime: row.mtime,
        uid: row.uid,
        gid: row.gid,
        ...(row.rdev ? { rdev: row.rdev } : {}),
        ...(row.kind !== 'dir' && this.c.db.links(row.ino) > 1 ? { link: row.ino } : {}),
      }
      if (row.kind === 'dir') {
        entries.push({ ...base, size: 0, handle: await this.encodeDir(row.ino, dirty, sink) })
      } else if (row.kind !== 'file') {
        entries.push({ ...base, size: 0, ...(row.kind === 'symlink' ? { target: row.target ?? '' } : {}) })
      } else if (row.handle) {
        // The last uploaded content; a newer one still in the journal follows in a later commit.
        entries.push({ ...base, size: dataMapSize(decodeHandle(row.handle)), handle: row.handle })
      } else if (row.state === 'synced') {
        entries.push({ ...base, size: 0 })
      }
    }
    // The root says which device made it and which root it was built on (drive/live-sync.ts).
    const doc =
      ino === ROOT_INO
        ? encodeRootDirectory(entries, {
            device: this.c.device,
            // A drive from before roots named their parent has only its last root.
            parent: this.c.db.meta('tip_root') ?? this.c.db.meta(`dir:${ROOT_INO}`),
          })
        : encodeDirectory(entries)
    const handle = encodeHandle(await this.c.enc.encrypt(doc, sink))
    this.c.db.setMeta(`dir:${ino}`, handle)
    return handle
  }
}

/** Thrown into an upload whose file went away: not a failure to report. */
class UploadCancelled extends Error {
  constructor() {
    super('upload cancelled')
  }
}
