// The drive's version history: one row per content a file had once it was
// uploaded — its path, when, how big, from which device, and the handle of
// that content. The handle is all a restore needs: content in the network is
// addressed by what it is, so an earlier version is still there after the
// file changed or went away. Rows live in drive.sqlite beside the tree, so a
// listing is one indexed query and history survives a restart.
import type { Database as SqliteDb, Statement } from 'better-sqlite3'

export interface VersionRow {
  id: number
  path: string
  /** The inode that had this content (inode numbers are never reused). */
  ino: number
  /** When this content reached the network (ms since the epoch). */
  at: number
  /** The file's modification time with this content. */
  mtime: number
  size: number
  mode: number
  /** Content handle; null for an empty file. */
  handle: string | null
  device: string | null
}

export type NewVersion = Omit<VersionRow, 'id'>

/** A version as listed: numbered from 1 (the oldest kept), newest first. */
export interface ListedVersion extends VersionRow {
  number: number
}

export const DEFAULT_HISTORY_DAYS = 30
const DAY_MS = 24 * 3600 * 1000

type P = unknown[]

export class VersionStore {
  private readonly insertRow: Statement<P>
  private readonly byPath: Statement<P, VersionRow>
  private readonly lastOf: Statement<P, VersionRow>
  private readonly moveExact: Statement<P>
  private readonly moveBelow: Statement<P>
  private readonly pruneRows: Statement<P>
  private readonly countRows: Statement<P, { n: number }>
  private readonly earlier: Statement<P, { n: number; bytes: number }>
  private readonly unpublishedRows: Statement<P, VersionRow>
  private readonly allRows: Statement<P, VersionRow>
  private readonly markPublished: Statement<P>
  private readonly sameRow: Statement<P, { id: number }>
  private readonly db: SqliteDb

  constructor(db: SqliteDb) {
    db.exec(`CREATE TABLE IF NOT EXISTS versions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      path TEXT NOT NULL,
      ino INTEGER NOT NULL,
      at INTEGER NOT NULL,
      mtime INTEGER NOT NULL,
      size INTEGER NOT NULL,
      mode INTEGER NOT NULL,
      handle TEXT,
      device TEXT
    )`)
    // Whether the row is in the network's copy of the history (published by this device, or read from it).
    const columns = db.prepare('PRAGMA table_info(versions)').all() as { name: string }[]
    if (!columns.some((c) => c.name === 'published'))
      db.exec('ALTER TABLE versions ADD COLUMN published INTEGER NOT NULL DEFAULT 0')
    db.exec('CREATE INDEX IF NOT EXISTS versions_by_path ON versions (path, id)')
    db.exec('CREATE INDEX IF NOT EXISTS versions_by_ino ON versions (ino, id)')
    this.insertRow = db.prepare(
      `INSERT INTO versions (path, ino, at, mtime, size, mode, handle, device)
       VALUES (@path, @ino, @at, @mtime, @size, @mode, @handle, @device)`,
    )
    this.byPath = db.prepare('SELECT * FROM versions WHERE path = ? ORDER BY id')
    this.lastOf = db.prepare('SELECT * FROM versions WHERE ino = ? ORDER BY id DESC LIMIT 1')
    this.moveExact = db.prepare('UPDATE versions SET path = ? WHERE path = ?')
    // Everything below a renamed directory: `substr` keeps the part after the old prefix.
    this.moveBelow = db.prepare(
      'UPDATE versions SET path = ? || substr(path, ?) WHERE substr(path, 1, ?) = ?',
    )
    // The newest version of a file that still exists is its current content: never let go.
    this.pruneRows = db.prepare(
      `DELETE FROM versions WHERE at < ? AND id NOT IN (
         SELECT max(id) FROM versions WHERE ino IN (SELECT ino FROM inodes) GROUP BY ino)`,
    )
    this.countRows = db.prepare('SELECT count(*) AS n FROM versions')
    this.db = db
    const fields = 'id, path, ino, at, mtime, size, mode, handle, device'
    this.unpublishedRows = db.prepare(`SELECT ${fields} FROM versions WHERE published = 0 ORDER BY id`)
    this.allRows = db.prepare(`SELECT ${fields} FROM versions ORDER BY id`)
    this.markPublished = db.prepare('UPDATE versions SET published = 1 WHERE id <= ? AND published = 0')
    this.sameRow = db.prepare(
      'SELECT id FROM versions WHERE path = ? AND at = ? AND handle IS ? AND device IS ? LIMIT 1',
    )
    // Distinct contents the history can bring back that no file has now.
    this.earlier = db.prepare(
      `SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM (
         SELECT max(size) AS size FROM versions
         WHERE handle IS NOT NULL AND handle NOT IN (SELECT handle FROM inodes WHERE handle IS NOT NULL)
         GROUP BY handle)`,
    )
  }

  /** Records a content a file had; the same content twice in a row is one version. */
  record(v: NewVersion): boolean {
    const last = this.lastOf.get(v.ino)
    if (last && last.handle === v.handle && last.path === v.path && last.size === v.size) return false
    this.insertRow.run(v)
    return true
  }

  /** Rows not yet in the network's copy of the history. */
  unpublished(): VersionRow[] {
    return this.unpublishedRows.all()
  }

  all(): VersionRow[] {
    return this.allRows.all()
  }

  /** Rows up to `id` are in the network's copy now. */
  published(id: number): void {
    this.markPublished.run(id)
  }

  /**
   * Versions read from the network's copy (written by this account's other
   * devices, or by this one before its local state was wiped), in time
   * order; a version known already is skipped. Listings number by position,
   * so imported rows go in by time.
   */
  importRows(rows: NewVersion[]): number {
    return this.db.transaction(() => {
      const fresh = rows.filter((r) => !this.sameRow.get(r.path, r.at, r.handle, r.device))
      if (fresh.length === 0) return 0
      // Re-inserted in time order with what is here, so positions (version numbers) follow time.
      const here = this.allRows.all() as (VersionRow & { published?: number })[]
      const flags = new Map(
        (
          this.db.prepare('SELECT id, published FROM versions').all() as { id: number; published: number }[]
        ).map((r) => [r.id, r.published]),
      )
      const merged = [
        ...here.map((r) => ({ row: r as NewVersion, published: flags.get(r.id) ?? 0 })),
        ...fresh.map((row) => ({ row, published: 1 })),
      ].sort((a, b) => a.row.at - b.row.at)
      this.db.exec('DELETE FROM versions')
      const insert = this.db.prepare(
        `INSERT INTO versions (path, ino, at, mtime, size, mode, handle, device, published)
         VALUES (@path, @ino, @at, @mtime, @size, @mode, @handle, @device, @published)`,
      )
      for (const { row, published } of merged) {
        const { path, ino, at, mtime, size, mode, handle, device } = row
        insert.run({ path, ino, at, mtime, size, mode, handle, device, published })
      }
      return fresh.length
    })()
  }

  /** Every kept version of the file at `path` (which may no longer exist), newest first. */
  list(path: string): ListedVersion[] {
    return this.byPath
      .all(path)
      .map((row, i) => ({ ...row, number: i + 1 }))
      .reverse()
  }

  /** A name moved: its history (and, for a directory, that of everything in it) follows it. */
  moved(from: string, to: string): void {
    this.moveExact.run(to, from)
    const prefix = `${from}/`
    this.moveBelow.run(`${to}/`, prefix.length + 1, prefix.length, prefix)
  }

  /** Lets go of versions older than the retention, except each existing file's current one. */
  prune(days: number, now = Date.now()): number {
    return this.pruneRows.run(now - days * DAY_MS).changes
  }

  count(): number {
    return this.countRows.get()!.n
  }

  /** What the history holds beyond the files as they are: earlier contents, and their bytes. */
  earlierContent(): { versions: number; bytes: number } {
    const { n, bytes } = this.earlier.get()!
    return { versions: n, bytes }
  }
}

/**
 * The version `number`, or the one that was current at `at` (the newest
 * no later than it); undefined when there is none.
 */
export function pickVersion(
  versions: ListedVersion[],
  pick: { number?: number; at?: number },
): ListedVersion | undefined {
  if (pick.number !== undefined) return versions.find((v) => v.number === pick.number)
  if (pick.at !== undefined) return versions.find((v) => v.at <= pick.at!)
  return versions[0]
}
