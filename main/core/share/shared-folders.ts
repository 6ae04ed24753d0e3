// Folders shared for writing with other accounts. Such a folder is a drive of
// its own (a tree, a root record, live sync between everyone who holds its
// keys), mounted inside each member's drive: at its old place for the account
// that shared it, under "Shared with me/" for the others. Every member signs
// the folder's root record with the folder's key, and a member's edits merge
// into the others' trees as another device's do (drive/live-sync.ts): both
// sides of a clash are kept. Which folders an account has is a record of the
// account (folder-list.ts), so every device of it mounts the same ones.
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Drive, MAX_MOUNTS, newDriveKeys, sealRoot } from '../drive/index.ts'
import type { DriveChunks, DriveEvent, DriveFs, Mounts } from '../drive/index.ts'
import { RecordRootStore } from '../drive/record-root-store.ts'
import { DRIVE_HISTORY_RECORD } from '../drive/versions-remote.ts'
import { UsageError } from '../errors.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { OwnerKey } from '../records/index.ts'
import { loadFolderList, saveFolderList } from './folder-list.ts'
import type { FolderEntry, FolderList, ListAccount } from './folder-list.ts'
import type { FolderKeys, ShareOffer } from './offer.ts'
import { isAccountId } from './offer.ts'
import { safeName } from './received.ts'
import { SHARED_DIR } from './shared-fs.ts'
import type { ReceivedSummary, ShareSummary } from './summary.ts'

/** How often the account's list is read again (folders shared or left on its other devices). */
const REFRESH_EVERY_MS = 15_000
/** How long sharing waits for the drive's changes to reach the network. */
const SYNC_WAIT_MS = 120_000

export interface SharedFoldersHost {
  records: Pick<NetworkRecordStore, 'get' | 'put' | 'putCopies'>
  chunks: DriveChunks
  /** Where the folders' local state goes: inside the account's, so it leaves with it. */
  dir: string
  account: { id: string } & ListAccount
  /** Sends the folder's keys, sealed, to another account's inbox; how many vaults kept them. */
  send(to: string, offer: { link: string; name: string; folder: FolderKeys }): Promise<number>
  capacityBytes: () => number
  cacheLimitBytes: () => number
  historyDays?: () => number
  log: (line: string) => void
  onEvent?: (e: DriveEvent) => void
  /** A folder another account shared arrived. */
  onReceived?: (summary: ReceivedSummary) => void
  liveSyncMs?: number
}

interface OpenFolder {
  entry: FolderEntry
  drive: Drive
}

export class SharedFolders implements Mounts {
  private readonly host: SharedFoldersHost
  private list: FolderList = { version: 0n, folders: [] }
  private readonly open = new Map<string, OpenFolder>()
  private loaded = false
  private timer: NodeJS.Timeout | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(host: SharedFoldersHost) {
    this.host = host
  }

  /** Opens the account's folders; a list the network cannot give yet is read again at each refresh. */
  static async open(host: SharedFoldersHost, everyMs = REFRESH_EVERY_MS): Promise<SharedFolders> {
    const folders = new SharedFolders(host)
    await folders
      .refresh()
      .catch((err: Error) => host.log(`reading the shared folders failed: ${err.message}`))
    folders.timer = setInterval(() => void folders.refresh().catch(() => {}), everyMs)
    folders.timer.unref()
    return folders
  }

  mounts(): Map<string, DriveFs> {
    const out = new Map<string, DriveFs>()
    for (const f of this.open.values()) out.set(f.entry.at, f.drive)
    return out
  }

  /** The open folder mounted at `path`, or whose id it is. */
  find(target: string): OpenFolder | undefined {
    return [...this.open.values()].find((f) => f.entry.at === target || f.entry.id === target)
  }

  /** The folder whose mount holds `path` (at or below its mount point), with the path inside it. */
  holding(path: string): { drive: Drive; inner: string; at: string } | undefined {
    for (const f of this.open.values()) {
      const at = f.entry.at
      if (path === at) return { drive: f.drive, inner: '/', at }
      if (path.startsWith(`${at}/`)) return { drive: f.drive, inner: path.slice(at.length), at }
    }
    return undefined
  }

  /** Folders this account shared for writing, as `peerdrive shares` lists them. */
  sharedByMe(): ShareSummary[] {
    return this.opened('owner')
      .filter((f) => f.entry.with.length > 0)
      .map((f) => this.summaryOf(f.entry, f.drive.status().errors[0]?.error ?? null))
  }

  /** Folders other accounts shared with this one for writing, as `peerdrive shared` lists them. */
  sharedWithMe(): ReceivedSummary[] {
    return this.opened('member').map((f) => this.received(f))
  }

  /**
   * Shares the drive's folder at `path` for writing with account `to`. The
   * first time, the folder becomes a drive of its own: its tree as it is in
   * the network (nothing is uploaded again), mounted where it was, and the
   * drive keeps an empty folder there. Sharing it again sends the same keys.
   */
  share(drive: Drive, path: string, to: string): Promise<ShareSummary> {
    return this.serial(async () => {
      if (!isAccountId(to))
        throw new UsageError(
          `an account id is 64 hex characters (peerdrive account shows yours), got "${to}"`,
        )
      if (to === this.host.account.id)
        throw new UsageError('that is this account: a folder is shared with another one')
      const already = this.find(path)
      if (already) {
        await this.sendKeys(already.entry, to)
        if (!already.entry.with.includes(to)) {
          const widened = { ...already.entry, with: [...already.entry.with, to] }
          await this.save(
            this.list.folders.map((f) => (f.id === widened.id && f.left_at === null ? widened : f)),
          )
          already.entry = widened
        }
        return this.summaryOf(already.entry, null)
      }
      this.checkPlace(path)
      const attr = await drive.getattr(path).catch(() => undefined)
      if (attr?.kind !== 'dir')
        throw new UsageError(`${path} is not a folder of the drive: only folders are shared for writing`)
      if (this.live().length >= MAX_MOUNTS)
        throw new UsageError(`an account can have at most ${MAX_MOUNTS} shared folders`)
      if (drive.writingIn(path))
        throw new UsageError(`a file in ${path} is open for writing: close it, then share the folder`)
      const handle = (await drive.syncAll(SYNC_WAIT_MS)) ? drive.syncedDirHandle(path) : undefined
      if (!handle)
        throw new UsageError(
          `${path} has changes that have not reached the network yet: share it once it is synced`,
        )
      const keys = newDriveKeys()
      const entry: FolderEntry = {
        id: randomBytes(8).toString('hex'),
        at: path,
        owner_seed: Buffer.from(keys.ownerSeed).toString('hex'),
        key: Buffer.from(keys.encryptionKey).toString('hex'),
        role: 'owner',
        with: [to],
        from: null,
        added_at: Date.now(),
        left_at: null,
      }
      // the folder's own root names the tree the drive already put in the network
      await this.rootStore(entry).save(1n, sealRoot(keys.encryptionKey, handle))
      await this.sendKeys(entry, to)
      await this.save([...this.list.folders, entry])
      await this.mount(entry)
      // the drive keeps the folder as an empty mount point; its files live on in the drive's history
      await emptyFolder(drive, path)
      this.host.log(`shared ${path} for writing with ${to.slice(0, 12)}…`)
      return this.summaryOf(entry, null)
    })
  }

  /** Takes a folder another account sent into "Shared with me/" (once: a folder left is not taken again). */
  accept(offer: ShareOffer): Promise<ReceivedSummary | undefined> {
    return this.serial(async () => {
      const keys = offer.folder
      if (!keys) return undefined
      await this.reload()
      if (this.list.folders.some((f) => f.id === keys.id)) return undefined
      if (this.live().length >= MAX_MOUNTS) {
        this.host.log(
          `a folder shared by ${offer.from.slice(0, 12)}… was not taken: ${MAX_MOUNTS} folders are shared already`,
        )
        return undefined
      }
      const entry: FolderEntry = {
        id: keys.id,
        at: this.freePlace(safeName(offer.name)),
        owner_seed: keys.owner_seed,
        key: keys.key,
        role: 'member',
        with: [],
        from: offer.from,
        added_at: Date.now(),
        left_at: null,
      }
      await this.save([...this.list.folders, entry])
      const opened = await this.mount(entry)
      const summary = this.received(opened)
      this.host.log(`${offer.from.slice(0, 12)}… shared "${summary.name}" with this account for writing`)
      this.host.onReceived?.(summary)
      return summary
    })
  }

  /**
   * A member leaves the folder (it goes from the mount; the others keep it).
   * The owner stops sharing: the folder moves to fresh keys that nobody else
   * has, so nothing written afterwards reaches the members, and it stays
   * where it is, the owner's alone.
   */
  leave(target: string): Promise<FolderEntry> {
    return this.serial(async () => {
      const f = this.find(target)
      if (!f) throw new UsageError(`${target} is not a folder shared for writing`)
      const now = Date.now()
      if (f.entry.role === 'member') {
        await f.drive.syncAll(SYNC_WAIT_MS).catch(() => false)
        await this.save(this.list.folders.map((e) => (e.id === f.entry.id ? { ...e, left_at: now } : e)))
        await this.unmount(f)
        this.host.log(`left the shared folder ${f.entry.at}`)
        return { ...f.entry, left_at: now }
      }
      if (!(await f.drive.syncAll(SYNC_WAIT_MS)))
        throw new UsageError(
          `${f.entry.at} has changes that have not reached the network yet: try again once it is synced`,
        )
      const handle = f.drive.syncedDirHandle('/')
      if (!handle) throw new UsageError(`${f.entry.at} is still syncing: try again once it is synced`)
      const keys = newDriveKeys()
      const next: FolderEntry = {
        ...f.entry,
        id: randomBytes(8).toString('hex'),
        owner_seed: Buffer.from(keys.ownerSeed).toString('hex'),
        key: Buffer.from(keys.encryptionKey).toString('hex'),
        with: [],
        added_at: now,
      }
      await this.rootStore(next).save(1n, sealRoot(keys.encryptionKey, handle))
      await this.save([
        ...this.list.folders.map((e) => (e.id === f.entry.id ? { ...e, left_at: now } : e)),
        next,
      ])
      await this.unmount(f)
      await this.mount(next)
      this.host.log(`stopped sharing ${f.entry.at}: it moved to keys only this account has`)
      return { ...f.entry, left_at: now }
    })
  }

  /** Reads the account's list again: folders shared or left on its other devices are mounted or let go. */
  refresh(): Promise<void> {
    return this.serial(async () => {
      await this.reload()
      // only a folder marked left goes: one missing from a list read short stays mounted
      const left = new Set(this.list.folders.filter((e) => e.left_at !== null).map((e) => e.id))
      for (const f of [...this.open.values()]) if (left.has(f.entry.id)) await this.unmount(f)
      for (const entry of this.live()) {
        // who it is shared with may have grown on another device
        const opened = this.open.get(entry.id)
        if (opened) opened.entry = entry
      }
      for (const entry of this.live())
        if (!this.open.has(entry.id))
          await this.mount(entry).catch((err: Error) =>
            this.host.log(`opening the shared folder ${entry.at} failed: ${err.message}`),
          )
    })
  }

  /** Waits for every folder's changes to reach the network; true when they all did. */
  async syncAll(timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(
      [...this.open.values()].map((f) => f.drive.syncAll(timeoutMs).catch(() => false)),
    )
    return results.every(Boolean)
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await this.queue.catch(() => {})
    for (const f of this.open.values()) await f.drive.close().catch(() => {})
    this.open.clear()
  }

  // ---- inside ----

  private live(): FolderEntry[] {
    return this.list.folders.filter((f) => f.left_at === null)
  }

  private opened(role: FolderEntry['role']): OpenFolder[] {
    return [...this.open.values()].filter((f) => f.entry.role === role)
  }

  private async reload(): Promise<void> {
    const list = await loadFolderList(this.host.records, this.host.account)
    // a holder still behind this device's own last change is not followed back
    if (!this.loaded || list.version >= this.list.version) this.list = list
    this.loaded = true
  }

  /** Publishes the list as it is after a change; on a clash with another device's change, applies it again on theirs. */
  private async save(folders: FolderEntry[]): Promise<void> {
    if (!this.loaded) await this.reload()
    try {
      this.list = await saveFolderList(this.host.records, this.host.account, this.list, folders)
    } catch (err) {
      const before = this.list.folders
      await this.reload()
      const theirs = new Map(this.list.folders.map((f) => [f.id, f]))
      // what this change did, replayed on the list as the other device left it
      const changed = folders.filter((f) => !before.includes(f))
      for (const f of changed) theirs.set(f.id, f)
      if (changed.length === 0) throw err
      this.list = await saveFolderList(this.host.records, this.host.account, this.list, [...theirs.values()])
    }
  }

  /** The folder's root record, or another record of the folder (its history), signed with the folder's key. */
  private rootStore(entry: FolderEntry, name?: string): RecordRootStore {
    return new RecordRootStore(
      this.host.records,
      OwnerKey.fromSeed(Buffer.from(entry.owner_seed, 'hex')),
      name,
    )
  }

  private async mount(entry: FolderEntry): Promise<OpenFolder> {
    if (this.closed) throw new UsageError('the account is closing')
    const drive = await Drive.open({
      dir: join(this.host.dir, 'folders', entry.id),
      key: Buffer.from(entry.key, 'hex'),
      chunks: this.host.chunks,
      root: this.rootStore(entry),
      // the folder's history is shared too: every member lists and restores the same versions
      historyStore: this.rootStore(entry, DRIVE_HISTORY_RECORD),
      historyDays: this.host.historyDays,
      capacityBytes: this.host.capacityBytes,
      cacheLimitBytes: this.host.cacheLimitBytes,
      log: (line) => this.host.log(`shared folder ${entry.at}: ${line}`),
      onEvent: this.host.onEvent,
      liveSyncMs: this.host.liveSyncMs,
    })
    const opened = { entry, drive }
    this.open.set(entry.id, opened)
    return opened
  }

  private async unmount(f: OpenFolder): Promise<void> {
    this.open.delete(f.entry.id)
    await f.drive.close().catch(() => {})
    await rm(join(this.host.dir, 'folders', f.entry.id), { recursive: true, force: true })
  }

  private async sendKeys(entry: FolderEntry, to: string): Promise<void> {
    const kept = await this.host
      .send(to, {
        link: '',
        name: basename(entry.at),
        folder: { id: entry.id, owner_seed: entry.owner_seed, key: entry.key },
      })
      .catch(() => 0)
    if (kept === 0)
      throw new UsageError(`no vault took the folder for account ${to}: nothing was sent; try again`)
  }

  /** A folder is shared for writing only where no other shared folder is, above or below. */
  private checkPlace(path: string): void {
    if (path === '/')
      throw new UsageError('the whole drive cannot be shared for writing: share a folder in it')
    if (path === `/${SHARED_DIR}` || path.startsWith(`/${SHARED_DIR}/`))
      throw new UsageError(`what is in "${SHARED_DIR}" is another account's to share`)
    for (const f of this.open.values()) {
      const at = f.entry.at
      if (path.startsWith(`${at}/`) || at.startsWith(`${path}/`))
        throw new UsageError(`${path} is inside, or holds, the shared folder ${at}`)
    }
  }

  private freePlace(name: string): string {
    const taken = new Set(this.live().map((f) => f.at))
    const base = `/${SHARED_DIR}/${name}`
    if (!taken.has(base)) return base
    for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`)) return `${base} (${n})`
  }

  private received(f: OpenFolder): ReceivedSummary {
    const totals = f.drive.db.totalsNow()
    return {
      name: f.entry.at.slice(`/${SHARED_DIR}/`.length),
      link: '',
      from: f.entry.from,
      added_at: f.entry.added_at,
      kind: 'folder',
      state: 'live',
      files: Math.max(0, totals.files - 1),
      bytes: totals.bytes,
      error: f.drive.status().errors[0]?.error ?? null,
      write: true,
    }
  }

  private summaryOf(entry: FolderEntry, error: string | null): ShareSummary {
    return {
      id: entry.id,
      path: entry.at,
      kind: 'folder',
      link: '',
      state: 'live',
      created_at: entry.added_at,
      expires_at: null,
      revoked_at: null,
      published_at: entry.added_at,
      error,
      with: entry.with.at(-1) ?? null,
      write: true,
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => {})
    return run
  }
}

/** Removes everything inside the drive's folder at `path`, keeping the folder. */
async function emptyFolder(drive: DriveFs, path: string): Promise<void> {
  for (const name of await drive.readdir(path)) {
    const at = `${path}/${name}`
    const attr = await drive.getattr(at)
    if (attr.kind === 'dir') {
      await emptyFolder(drive, at)
      await drive.rmdir(at)
    } else await drive.unlink(at)
  }
}
