// share-inbox.db: the sealed share offers this vault keeps as a member of
// accounts' share-inbox groups. Bounded three ways, since anyone may send
// anyone an offer: at most MAX_PER_ACCOUNT per account (the newest), at most
// MAX_OFFERS in all (the newest), and none older than KEEP_MS. Its files are
// counted against the vault's donation.
import { createHash } from 'node:crypto'
import type { Database as SqliteDb } from 'better-sqlite3'
import { countedDbBytes, openCountedDb } from '../vault/counted-db.ts'

export const MAX_PER_ACCOUNT = 64
export const MAX_OFFERS = 4096
export const KEEP_MS = 30 * 24 * 3600_000

export class OfferBox {
  readonly #db: SqliteDb
  readonly #path: string

  constructor(path: string) {
    this.#path = path
    this.#db = openCountedDb(path)
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS offers (account TEXT NOT NULL, id TEXT NOT NULL, offer BLOB NOT NULL,
        at INTEGER NOT NULL, PRIMARY KEY (account, id));
      CREATE INDEX IF NOT EXISTS offers_at ON offers (at);
    `)
  }

  /** Keeps a sealed offer for `account`; the same offer twice is kept once. */
  keep(account: string, offer: Uint8Array, now = Date.now()): void {
    const id = createHash('sha256').update(offer).digest('hex')
    const db = this.#db
    db.transaction(() => {
      db.prepare('INSERT OR IGNORE INTO offers VALUES (?, ?, ?, ?)').run(account, id, Buffer.from(offer), now)
      db.prepare('DELETE FROM offers WHERE at < ?').run(now - KEEP_MS)
      db.prepare(
        `DELETE FROM offers WHERE account = ? AND id NOT IN
         (SELECT id FROM offers WHERE account = ? ORDER BY at DESC, id LIMIT ?)`,
      ).run(account, account, MAX_PER_ACCOUNT)
      db.prepare(
        `DELETE FROM offers WHERE rowid NOT IN (SELECT rowid FROM offers ORDER BY at DESC, id LIMIT ?)`,
      ).run(MAX_OFFERS)
    })()
  }

  /** The offers kept for `account`, newest first. */
  offers(account: string): Uint8Array[] {
    const rows = this.#db
      .prepare('SELECT offer FROM offers WHERE account = ? ORDER BY at DESC, id LIMIT ?')
      .all(account, MAX_PER_ACCOUNT) as { offer: Buffer }[]
    return rows.map((r) => Uint8Array.from(r.offer))
  }

  /** Every account with offers kept here. */
  accounts(): string[] {
    return (this.#db.prepare('SELECT DISTINCT account FROM offers').all() as { account: string }[]).map(
      (r) => r.account,
    )
  }

  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM offers').get() as { n: number }).n
  }

  /** The database's files on disk (database, WAL, shared memory). */
  bytesOnDisk(): number {
    return countedDbBytes(this.#path)
  }

  close(): void {
    this.#db.close()
  }
}
