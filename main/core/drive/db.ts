// The drive's local state in SQLite: the tree as this node knows it — inodes
// (each with its synced data-map handle and sync state) and the names that
// link to them — and the upload queue. It is what makes acknowledged writes
// survive a crash: every change to the tree commits here before the call that
// made it returns.
import Database from 'better-sqlite3'
import type { Database as SqliteDb, Statement } from 'better-sqlite3'
import type { EntryKind } from './fs-types.ts'

export const ROOT_INO = 1

export type SyncState = 'synced' | 'local' | 'queued' | 'uploading' | 'degraded' | 'error'

export interface InodeRow {
  ino: number
  kind: EntryKind
  /** Permission bits (0o7777). */
  mode: number
  uid: number
  gid: number
  /** Device number of a character or block device. */
  rdev: number
  size: number
  mtime: number
  ctime: number
  atime: number
  /** Symlink target. */
  target: string | null
  /** The handle of the content last uploaded (files) or null. */
  handle: string | null
  state: SyncState
  error: string | null
  /** Vaults other than this node that acknowledged the last upload (its least-held chunk); null before one. */
  copies: number | null
}

/** An inode seen through one of its names. */
export interface EntryRow extends InodeRow {
  parent: number
  name: string
}

export type NewInode = Omit<InodeRow, 'ino' | 'error' | 'copies' | 'uid' | 'gid' | 'rdev'> &
  Partial<Pick<InodeRow, 'uid' | 'gid' | 'rdev'>>

type P = unknown[]

const INODE_COLUMNS =
  'i.ino, i.kind, i.mode, i.uid, i.gid, i.rdev, i.size, i.mtime, i.ctime, i.atime, i.target, i.handle, i.state, i.error, i.copies'

export class DriveDb {
  readonly db: SqliteDb
  private readonly byIno: Statement<P, EntryRow>
  private readonly byName: Statement<P, EntryRow>
  private readonly children: Statement<P, EntryRow>
  private readonly childCount: Statement<P, { n: number }>
  private readonly subdirCount: Statement<P, { n: number }>
  private readonly linkCount: Statement<P, { n: number }>
  private readonly parentsOf: Statement<P, { parent: number }>
  private readonly insertInode: Statement<P>
  private readonly insertLink: Statement<P>
  private readonly deleteLink: Statement<P>
  private readonly moveLink: Statement<P>
  private readonly deleteInode: Statement<P>
  private readonly metaGet: Statement<P, { value: string }>
  private readonly metaSet: Statement<P>
  private readonly pendingRows: Statement<P, EntryRow>
  private readonly orphanRows: Statement<P, { ino: number }>
  private readonly dirRows: Statement<P, { ino: number }>
  private readonly totals: Statement<P, { files: number; bytes: number }>
  readonly defaultOwner: { uid: number; gid: number }

  constructor(path: string, owner: { uid: number; gid: number } = { uid: 0, gid: 0 }) {
    const db = new Database(path)
    this.defaultOwner = owner
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = FULL')
    db.exec(`CREATE TABLE IF NOT EXISTS inodes (
      ino INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      mode INTEGER NOT NULL,
      uid INTEGER NOT NULL DEFAULT 0,
      gid INTEGER NOT NULL DEFAULT 0,
      rdev INTEGER NOT NULL DEFAULT 0,
      size INTEGER NOT NULL DEFAULT 0,
      mtime INTEGER NOT NULL,
      ctime INTEGER NOT NULL,
      atime INTEGER NOT NULL,
      target TEXT,
      handle TEXT,
      state TEXT NOT NULL DEFAULT 'synced',
      error TEXT,
      copies INTEGER
    )`)
    db.exec(`CREATE TABLE IF NOT EXISTS links (
      parent INTEGER NOT NULL,
      name TEXT NOT NULL,
      ino INTEGER NOT NULL,
      PRIMARY KEY (parent, name)
    )`)
    db.exec('CREATE INDEX IF NOT EXISTS links_by_ino ON links (ino)')
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
    this.db = db
    this.migrateEntries(owner)
    const entry = `SELECT ${INODE_COLUMNS}, l.parent, l.name FROM links l JOIN inodes i ON i.ino = l.ino`
    this.byIno = db.prepare(
      `SELECT ${INODE_COLUMNS}, coalesce(l.parent, i.ino) AS parent, coalesce(l.name, '') AS name
       FROM inodes i LEFT JOIN links l ON l.ino = i.ino WHERE i.ino = ? LIMIT 1`,
    )
    this.byName = db.prepare(`${entry} WHERE l.parent = ? AND l.name = ?`)
    this.children = db.prepare(`${entry} WHERE l.parent = ? ORDER BY l.name`)
    this.childCount = db.prepare('SELECT count(*) AS n FROM links WHERE parent = ?')
    this.subdirCount = db.prepare(
      "SELECT count(*) AS n FROM links l JOIN inodes i ON i.ino = l.ino WHERE l.parent = ? AND i.kind = 'dir'",
    )
    this.linkCount = db.prepare('SELECT count(*) AS n FROM links WHERE ino = ?')
    this.parentsOf = db.prepare('SELECT DISTINCT parent FROM links WHERE ino = ?')
    this.insertInode = db.prepare(
      `INSERT INTO inodes (kind, mode, uid, gid, rdev, size, mtime, ctime, atime, target, handle, state)
       VALUES (@kind, @mode, @uid, @gid, @rdev, @size, @mtime, @ctime, @atime, @target, @handle, @state)`,
    )
    this.insertLink = db.prepare('INSERT INTO links (parent, name, ino) VALUES (?, ?, ?)')
    this.deleteLink = db.prepare('DELETE FROM links WHERE parent = ? AND name = ?')
    this.moveLink = db.prepare('UPDATE links SET parent = ?, name = ? WHERE parent = ? AND name = ?')
    this.deleteInode = db.prepare('DELETE FROM inodes WHERE ino = ?')
    this.metaGet = db.prepare('SELECT value FROM meta WHERE key = ?')
    this.metaSet = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    )
    this.pendingRows = db.prepare(
      `SELECT ${INODE_COLUMNS}, l.parent, l.name FROM inodes i JOIN links l ON l.ino = i.ino
       WHERE i.kind = 'file' AND i.state != 'synced' GROUP BY i.ino ORDER BY i.ino`,
    )
    this.orphanRows = db.prepare(
      `SELECT ino FROM inodes WHERE ino != ${ROOT_INO} AND ino NOT IN (SELECT ino FROM links)`,
    )
    this.dirRows = db.prepare(`SELECT ino FROM inodes WHERE kind = 'dir' AND ino != ${ROOT_INO}`)
    this.totals = db.prepare(
      "SELECT count(*) AS files, coalesce(sum(CASE WHEN kind = 'file' THEN size ELSE 0 END), 0) AS bytes FROM inodes",
    )
    if (!this.get(ROOT_INO)) {
      const now = Date.now()
      db.prepare(
        `INSERT INTO inodes (ino, kind, mode, uid, gid, mtime, ctime, atime, state)
         VALUES (${ROOT_INO}, 'dir', ${0o755}, ?, ?, ?, ?, ?, 'synced')`,
      ).run(owner.uid, owner.gid, now, now, now)
    }
  }

  /** Drive state written before inodes and names were apart: one table of entries. */
  private migrateEntries(owner: { uid: number; gid: number }): void {
    const old = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'entries'")
      .get()
    if (!old) return
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO inodes (ino, kind, mode, uid, gid, size, mtime, ctime, atime, target, handle, state, error)
           SELECT ino, kind, mode, ?, ?, size, mtime, ctime, atime, target, handle, state, error FROM entries`,
        )
        .run(owner.uid, owner.gid)
      this.db.exec(
        `INSERT INTO links (parent, name, ino) SELECT parent, name, ino FROM entries WHERE ino != ${ROOT_INO}`,
      )
      this.db.exec('DROP TABLE entries')
    })()
  }

  get(ino: number): EntryRow | undefined {
    return this.byIno.get(ino)
  }

  lookup(parent: number, name: string): EntryRow | undefined {
    return this.byName.get(parent, name)
  }

  list(parent: number): EntryRow[] {
    return this.children.all(parent)
  }

  countChildren(parent: number): number {
    return this.childCount.get(parent)!.n
  }

  countSubdirs(parent: number): number {
    return this.subdirCount.get(parent)!.n
  }

  /** How many names the inode has. */
  links(ino: number): number {
    return ino === ROOT_INO ? 1 : this.linkCount.get(ino)!.n
  }

  /** Every directory that holds a name of `ino`. */
  parents(ino: number): number[] {
    return this.parentsOf.all(ino).map((r) => r.parent)
  }

  /** A new inode with one name. */
  insert(row: NewInode & { parent: number; name: string }): number {
    const { parent, name, ...inode } = row
    return this.db.transaction(() => {
      const ino = Number(
        this.insertInode.run({ uid: this.defaultOwner.uid, gid: this.defaultOwner.gid, rdev: 0, ...inode })
          .lastInsertRowid,
      )
      this.insertLink.run(parent, name, ino)
      return ino
    })()
  }

  addLink(parent: number, name: string, ino: number): void {
    this.insertLink.run(parent, name, ino)
  }

  removeLink(parent: number, name: string): void {
    this.deleteLink.run(parent, name)
  }

  rename(fromParent: number, fromName: string, toParent: number, toName: string): void {
    this.moveLink.run(toParent, toName, fromParent, fromName)
  }

  /** Updates some columns of one inode. */
  update(ino: number, fields: Partial<Omit<InodeRow, 'ino'>>): void {
    const keys = Object.keys(fields)
    if (keys.length === 0) return
    const sql = `UPDATE inodes SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE ino = @ino`
    this.statement(sql).run({ ...fields, ino })
  }

  /** Forgets an inode that no name links to any more. */
  removeInode(ino: number): void {
    if (ino !== ROOT_INO) this.deleteInode.run(ino)
  }

  /** Every directory but the root. */
  listDirs(): number[] {
    return this.dirRows.all().map((r) => r.ino)
  }

  /** Inodes no name links to: left by files unlinked while open when the node stopped. */
  orphans(): number[] {
    return this.orphanRows.all().map((r) => r.ino)
  }

  meta(key: string): string | undefined {
    return this.metaGet.get(key)?.value
  }

  setMeta(key: string, value: string): void {
    this.metaSet.run(key, value)
  }

  /** Files whose content has not reached R vaults yet. */
  pending(): EntryRow[] {
    return this.pendingRows.all()
  }

  totalsNow(): { files: number; bytes: number } {
    return this.totals.get()!
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)()
  }

  close(): void {
    this.db.close()
  }

  private readonly cache = new Map<string, Statement<P>>()
  private statement(sql: string): Statement<P> {
    let s = this.cache.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.cache.set(sql, s)
    }
    return s
  }
}
