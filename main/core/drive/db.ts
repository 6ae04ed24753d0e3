// The drive's local state in SQLite: the tree as this node knows it (each
// entry with its synced data-map handle and sync state) and the upload queue.
// It is what makes acknowledged writes survive a crash: every change to the
// tree commits here before the call that made it returns.
import Database from 'better-sqlite3'
import type { Database as SqliteDb, Statement } from 'better-sqlite3'
import type { EntryKind } from './fs-types.ts'

export const ROOT_INO = 1

export type SyncState = 'synced' | 'local' | 'queued' | 'uploading' | 'error'

export interface EntryRow {
  ino: number
  parent: number
  name: string
  kind: EntryKind
  mode: number
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
}

type P = unknown[]

export class DriveDb {
  readonly db: SqliteDb
  private readonly byIno: Statement<P, EntryRow>
  private readonly byName: Statement<P, EntryRow>
  private readonly children: Statement<P, EntryRow>
  private readonly childCount: Statement<P, { n: number }>
  private readonly insertRow: Statement<P>
  private readonly deleteRow: Statement<P>
  private readonly metaGet: Statement<P, { value: string }>
  private readonly metaSet: Statement<P>
  private readonly pendingRows: Statement<P, EntryRow>
  private readonly totals: Statement<P, { files: number; bytes: number }>
  private readonly allRows: Statement<P, EntryRow>

  constructor(path: string) {
    const db = new Database(path)
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = FULL')
    db.exec(`CREATE TABLE IF NOT EXISTS entries (
      ino INTEGER PRIMARY KEY AUTOINCREMENT,
      parent INTEGER NOT NULL,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      mode INTEGER NOT NULL,
      size INTEGER NOT NULL DEFAULT 0,
      mtime INTEGER NOT NULL,
      ctime INTEGER NOT NULL,
      atime INTEGER NOT NULL,
      target TEXT,
      handle TEXT,
      state TEXT NOT NULL DEFAULT 'synced',
      error TEXT,
      UNIQUE (parent, name)
    )`)
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
    this.db = db
    this.byIno = db.prepare('SELECT * FROM entries WHERE ino = ?')
    this.byName = db.prepare('SELECT * FROM entries WHERE parent = ? AND name = ?')
    this.children = db.prepare('SELECT * FROM entries WHERE parent = ? AND ino != parent ORDER BY name')
    this.childCount = db.prepare('SELECT count(*) AS n FROM entries WHERE parent = ? AND ino != parent')
    this.insertRow = db.prepare(
      `INSERT INTO entries (parent, name, kind, mode, size, mtime, ctime, atime, target, handle, state)
       VALUES (@parent, @name, @kind, @mode, @size, @mtime, @ctime, @atime, @target, @handle, @state)`,
    )
    this.deleteRow = db.prepare('DELETE FROM entries WHERE ino = ?')
    this.metaGet = db.prepare('SELECT value FROM meta WHERE key = ?')
    this.metaSet = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    )
    this.pendingRows = db.prepare(
      "SELECT * FROM entries WHERE kind = 'file' AND state != 'synced' ORDER BY ino",
    )
    this.totals = db.prepare(
      "SELECT count(*) AS files, coalesce(sum(CASE WHEN kind = 'file' THEN size ELSE 0 END), 0) AS bytes FROM entries",
    )
    this.allRows = db.prepare('SELECT * FROM entries ORDER BY ino')
    if (!this.get(ROOT_INO)) {
      const now = Date.now()
      db.prepare(
        `INSERT INTO entries (ino, parent, name, kind, mode, mtime, ctime, atime, state)
         VALUES (${ROOT_INO}, ${ROOT_INO}, '', 'dir', ${0o755}, ?, ?, ?, 'synced')`,
      ).run(now, now, now)
    }
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

  insert(row: Omit<EntryRow, 'ino' | 'error'>): number {
    return Number(this.insertRow.run(row).lastInsertRowid)
  }

  /** Updates some columns of one entry. */
  update(ino: number, fields: Partial<Omit<EntryRow, 'ino'>>): void {
    const keys = Object.keys(fields)
    if (keys.length === 0) return
    const sql = `UPDATE entries SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE ino = @ino`
    this.statement(sql).run({ ...fields, ino })
  }

  remove(ino: number): void {
    this.deleteRow.run(ino)
  }

  meta(key: string): string | undefined {
    return this.metaGet.get(key)?.value
  }

  setMeta(key: string, value: string): void {
    this.metaSet.run(key, value)
  }

  /** Files whose content has not reached the network yet. */
  pending(): EntryRow[] {
    return this.pendingRows.all()
  }

  all(): EntryRow[] {
    return this.allRows.all()
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
