// The SQLite index of a vault: which chunks it holds, their sizes, the signed
// records it holds (kept in the index itself: they are small), and the vault's
// settings. Synchronous (better-sqlite3): each call is a few
// microseconds, far below the fsyncs of the chunk files it sits beside.
import { closeSync, openSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { Database as SqliteDb, Statement } from 'better-sqlite3'
import { VaultBusyError, VaultUnreadableError } from './errors.ts'
import { WAL_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT } from './quota.ts'

// 2: adds the records table (a version-1 index gains it when opened).
const SCHEMA_VERSION = 2

// better-sqlite3 before 13 aborts the whole process (a failed CHECK in
// node::RemoveEnvironmentCleanupHook, Node >= 24.19) when the garbage collector
// finalizes one of its Database or Statement objects. So this module prepares
// every statement once, never uses db.pragma() (a fresh statement per call)
// or iterate(), and keeps each connection and its statements reachable for
// the life of the process: a few kilobytes per vault opened.
const neverCollected: unknown[] = []

export interface ChunkRow {
  size: number
  disk: number
}

export interface IndexTotals {
  count: number
  size: number
  disk: number
}

export interface RecordTotals {
  count: number
  /** Sum of the encoded records' sizes. */
  size: number
}

type Params = unknown[]

export class IndexDb {
  readonly #db: SqliteDb
  readonly #row: Statement<Params, ChunkRow>
  readonly #insert: Statement<Params>
  readonly #remove: Statement<Params>
  readonly #totals: Statement<Params, IndexTotals>
  readonly #range: Statement<Params, { address: Buffer }>
  readonly #page: Statement<Params, { address: Buffer }>
  readonly #metaGet: Statement<Params, { value: string }>
  readonly #metaSet: Statement<Params>
  readonly #recordGet: Statement<Params, { record: Buffer }>
  readonly #recordSet: Statement<Params>
  readonly #recordRemove: Statement<Params>
  readonly #recordTotals: Statement<Params, RecordTotals>
  readonly #recordPage: Statement<Params, { address: Buffer }>
  readonly #batch: (work: () => void) => void

  private constructor(db: SqliteDb) {
    this.#db = db
    this.#row = db.prepare('SELECT size, disk FROM chunks WHERE address = ?')
    this.#insert = db.prepare('INSERT OR IGNORE INTO chunks (address, size, disk) VALUES (?, ?, ?)')
    this.#remove = db.prepare('DELETE FROM chunks WHERE address = ?')
    this.#totals = db.prepare(
      'SELECT count(*) AS count, coalesce(sum(size), 0) AS size, coalesce(sum(disk), 0) AS disk FROM chunks',
    )
    this.#range = db.prepare('SELECT address FROM chunks WHERE address >= ? AND address < ?')
    this.#page = db.prepare('SELECT address FROM chunks WHERE address > ? ORDER BY address LIMIT ?')
    this.#metaGet = db.prepare('SELECT value FROM meta WHERE key = ?')
    this.#metaSet = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    )
    this.#recordGet = db.prepare('SELECT record FROM records WHERE address = ?')
    this.#recordSet = db.prepare(
      'INSERT INTO records (address, record) VALUES (?, ?) ON CONFLICT (address) DO UPDATE SET record = excluded.record',
    )
    this.#recordRemove = db.prepare('DELETE FROM records WHERE address = ?')
    this.#recordTotals = db.prepare(
      'SELECT count(*) AS count, coalesce(sum(length(record)), 0) AS size FROM records',
    )
    this.#recordPage = db.prepare('SELECT address FROM records WHERE address > ? ORDER BY address LIMIT ?')
    const tx = db.transaction((work: () => void) => work())
    this.#batch = (work) => tx(work)
    neverCollected.push(db, this.#row, this.#insert, this.#remove, this.#totals, this.#range, this.#page)
    neverCollected.push(this.#metaGet, this.#metaSet, tx)
    neverCollected.push(
      this.#recordGet,
      this.#recordSet,
      this.#recordRemove,
      this.#recordTotals,
      this.#recordPage,
    )
  }

  /** Opens (creating if needed) the index at `file` and takes an exclusive lock on it. */
  static open(file: string, vaultDir: string): IndexDb {
    let db: SqliteDb
    try {
      // A short busy timeout: the only contender is another vault process,
      // and waiting for it to exit would just hang the caller.
      // SQLite creates a database 0644 and gives its journals the database's
      // mode: made 0600 first, none of them is readable by others.
      closeSync(openSync(file, 'a', 0o600))
      db = new Database(file, { timeout: 250 })
    } catch (error) {
      throw sqliteFailure(vaultDir, error)
    }
    neverCollected.push(db)
    try {
      // EXCLUSIVE before WAL: SQLite then keeps the WAL index in memory (no
      // -shm file to count against the quota) and holds the lock until close,
      // so a second process cannot open the same vault and race its recovery.
      db.exec('PRAGMA locking_mode = EXCLUSIVE')
      db.exec('PRAGMA journal_mode = WAL')
      // In WAL mode NORMAL loses at most the last commits on power loss, never
      // consistency; a lost row is re-adopted from its fsynced chunk file.
      db.exec('PRAGMA synchronous = NORMAL')
      // A small WAL is part of the hard cap: checkpoint often, and truncate
      // the file back after a checkpoint if one large batch grew it.
      db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
      db.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT}`)
      db.exec('BEGIN EXCLUSIVE')
      const version = readUserVersion(db)
      if (version > SCHEMA_VERSION) {
        db.exec('ROLLBACK')
        throw new VaultUnreadableError(
          vaultDir,
          `its index has schema version ${version}; this PeerDrive reads up to version ${SCHEMA_VERSION}`,
        )
      }
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS chunks (
          address BLOB PRIMARY KEY,
          size INTEGER NOT NULL,
          disk INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- A rowid table: records run to 64 KiB, too large for WITHOUT ROWID's b-tree cells.
        CREATE TABLE IF NOT EXISTS records (
          address BLOB PRIMARY KEY NOT NULL,
          record BLOB NOT NULL
        );
        PRAGMA user_version = ${SCHEMA_VERSION};
        COMMIT;
      `)
      return new IndexDb(db)
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      db.close()
      if (error instanceof VaultUnreadableError) throw error
      throw sqliteFailure(vaultDir, error)
    }
  }

  row(address: Uint8Array): ChunkRow | undefined {
    return this.#row.get(address)
  }

  /** True when the row was added, false when the address was already indexed. */
  insert(address: Uint8Array, size: number, disk: number): boolean {
    return this.#insert.run(address, size, disk).changes > 0
  }

  /** True when a row was removed. */
  remove(address: Uint8Array): boolean {
    return this.#remove.run(address).changes > 0
  }

  totals(): IndexTotals {
    return this.#totals.get()!
  }

  /** Addresses whose first byte is `firstByte`: the rows of one shard directory. */
  addressesStartingWith(firstByte: number): Buffer[] {
    const low = Buffer.from([firstByte])
    // 33 bytes of 0xff sort after every 32-byte address.
    const high = firstByte === 0xff ? Buffer.alloc(33, 0xff) : Buffer.from([firstByte + 1])
    return this.#range.all(low, high).map((r) => r.address)
  }

  /** Up to `limit` addresses after `after` in byte order; an empty `after` starts at the beginning. */
  addressesAfter(after: Uint8Array, limit: number): Buffer[] {
    return this.#page.all(after, limit).map((r) => r.address)
  }

  /** The encoded record held at `address`, if any. */
  record(address: Uint8Array): Buffer | undefined {
    return this.#recordGet.get(address)?.record
  }

  /** Inserts or replaces the record at `address`. */
  setRecord(address: Uint8Array, record: Uint8Array): void {
    this.#recordSet.run(address, record)
  }

  /** True when a record was removed. */
  removeRecord(address: Uint8Array): boolean {
    return this.#recordRemove.run(address).changes > 0
  }

  recordTotals(): RecordTotals {
    return this.#recordTotals.get()!
  }

  /** Up to `limit` record addresses after `after` in byte order. */
  recordAddressesAfter(after: Uint8Array, limit: number): Buffer[] {
    return this.#recordPage.all(after, limit).map((r) => r.address)
  }

  getMeta(key: string): string | undefined {
    return this.#metaGet.get(key)?.value
  }

  setMeta(key: string, value: string): void {
    this.#metaSet.run(key, value)
  }

  /** Runs `work` in one transaction: a batch of index changes costs one commit. */
  batch(work: () => void): void {
    this.#batch(work)
  }

  /** Folds the WAL into the database and shrinks it to nothing. */
  checkpoint(): void {
    this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  }

  close(): void {
    if (!this.#db.open) return
    try {
      this.checkpoint()
    } finally {
      this.#db.close()
    }
  }
}

function readUserVersion(db: SqliteDb): number {
  const stmt = db.prepare<Params, number>('PRAGMA user_version').pluck()
  neverCollected.push(stmt)
  return stmt.get() ?? 0
}

function sqliteFailure(vaultDir: string, error: unknown): Error {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new VaultBusyError(vaultDir, error)
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new VaultUnreadableError(vaultDir, `its index is not a valid SQLite database (${message})`, error)
  }
  return new VaultUnreadableError(vaultDir, `its index cannot be opened (${message})`, error)
}
