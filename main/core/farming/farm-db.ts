// farm.db: what this node knows of coin, in SQLite beside the vault, so that
// nothing resets on restart. As a member of coin groups it keeps their ledger
// rows; as a wallet it keeps the coins it owns (with their proofs), the
// claims still pending, and the history the "earned" figures come from. As a
// member of a wallet's inbox group it keeps the coins delivered to that wallet.
// As a challenger it keeps its trust judgements of other vaults.
import type { Database as SqliteDb } from 'better-sqlite3'
import { countedDbBytes, openCountedDb } from '../vault/counted-db.ts'
import type { CoinProof } from './coin.ts'

export interface LedgerRow {
  id: string
  owner: string
  seq: number
}

export interface BalanceRow {
  /** Bytes paid for. */
  used: number
  /** Bytes the account may store in all. */
  allowance: number
  /** The last farming period the allowance grew in. */
  credited: number
  /** Of the allowance, bytes bought with coin. */
  bought: number
}

export interface HistoryEntry {
  at: number
  kind: 'minted' | 'sent' | 'received'
  coin_id: string
  peer?: string
}

/** Why a receipt is not taken into the replay memory. */
export type Sighting = 'new' | 'replay' | 'client-full' | 'chunk-full' | 'full'

/** Bounds on the receipts remembered at once: all of them are fresh, so none can be forgotten early. */
export interface ReceiptLimits {
  /** Receipts older than this (by their own time) are stale, refused anyway, and forgotten. */
  maxAgeMs: number
  /** Fresh receipts remembered from one client identity. */
  perClient: number
  /** Fresh receipts remembered for one chunk. */
  perChunk: number
  /** Fresh receipts remembered in all. */
  total: number
}

export class FarmDb {
  readonly #db: SqliteDb
  readonly #path: string
  #prunedAt = 0
  /** Rows in seen_receipts, in all, per client and per chunk: kept here, as counting them for every receipt costs scans. */
  #receipts = 0
  readonly #perClient = new Map<string, number>()
  readonly #perChunk = new Map<string, number>()

  constructor(path: string) {
    this.#path = path
    this.#db = openCountedDb(path)
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS ledger (id TEXT PRIMARY KEY, owner TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS coins (id TEXT PRIMARY KEY, owner TEXT NOT NULL, seq INTEGER NOT NULL,
        proof TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS history (at INTEGER NOT NULL, kind TEXT NOT NULL, coin_id TEXT NOT NULL,
        wallet TEXT NOT NULL, peer TEXT);
      CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, receipt TEXT NOT NULL, owner TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS seen_receipts (hash TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS trust (peer TEXT PRIMARY KEY, misses INTEGER NOT NULL, full INTEGER NOT NULL,
        why TEXT, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS peers_seen (peer TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS inbox (owner TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,
        proof TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (owner, id));
      CREATE TABLE IF NOT EXISTS balances (account TEXT PRIMARY KEY, used INTEGER NOT NULL,
        allowance INTEGER NOT NULL, credited INTEGER NOT NULL, bought INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS purchases (coin TEXT PRIMARY KEY, account TEXT NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS grants (account TEXT NOT NULL, root TEXT NOT NULL, period INTEGER NOT NULL,
        PRIMARY KEY (account, root));
      CREATE TABLE IF NOT EXISTS backs (vault TEXT NOT NULL, period INTEGER NOT NULL, account TEXT NOT NULL,
        PRIMARY KEY (vault, period, account));
    `)
    // farm.db files made before receipts were bounded lack the columns the bounds count by
    const columns = (this.#db.prepare('PRAGMA table_info(seen_receipts)').all() as { name: string }[]).map(
      (c) => c.name,
    )
    if (!columns.includes('client'))
      this.#db.exec(`ALTER TABLE seen_receipts ADD COLUMN client TEXT NOT NULL DEFAULT '';
        ALTER TABLE seen_receipts ADD COLUMN chunk TEXT NOT NULL DEFAULT ''`)
    this.#db.exec('CREATE INDEX IF NOT EXISTS seen_at ON seen_receipts (at)')
    for (const [column, counts] of [
      ['client', this.#perClient],
      ['chunk', this.#perChunk],
    ] as const)
      for (const row of this.#db
        .prepare(`SELECT ${column} AS key, count(*) AS n FROM seen_receipts GROUP BY ${column}`)
        .all() as { key: string; n: number }[])
        counts.set(row.key, row.n)
    this.#receipts = this.receiptsRemembered()
  }

  // ledger: this node as a member of coin groups

  ledgerRow(id: string): LedgerRow | undefined {
    return this.#db.prepare('SELECT id, owner, seq FROM ledger WHERE id = ?').get(id) as LedgerRow | undefined
  }

  /** The ids of every coin whose row this vault keeps. */
  ledgerIds(): string[] {
    return (this.#db.prepare('SELECT id FROM ledger').all() as { id: string }[]).map((r) => r.id)
  }

  /** Records a new coin; false when the id is already known (a double mint). */
  mint(id: string, owner: string): boolean {
    return (
      this.#db.prepare('INSERT OR IGNORE INTO ledger VALUES (?, ?, 1, ?)').run(id, owner, Date.now())
        .changes === 1
    )
  }

  /** Moves a coin to `to` as its `seq`-th owner; false unless `seq` is the next one (a double spend). */
  move(id: string, to: string, seq: number): boolean {
    return (
      this.#db
        .prepare('UPDATE ledger SET owner = ?, seq = ?, at = ? WHERE id = ? AND seq = ?')
        .run(to, seq, Date.now(), id, seq - 1).changes === 1
    )
  }

  /** Takes a coin's row from a proven statement, when it is newer than the row held (or none is). */
  adopt(id: string, owner: string, seq: number): boolean {
    return (
      this.#db
        .prepare(
          `INSERT INTO ledger VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE
           SET owner = excluded.owner, seq = excluded.seq, at = excluded.at WHERE excluded.seq > ledger.seq`,
        )
        .run(id, owner, seq, Date.now()).changes === 1
    )
  }

  // storage balances: this node as a member of an account's balance group (storage/ticket.ts)

  balance(account: string): BalanceRow | undefined {
    return this.#db
      .prepare('SELECT used, allowance, credited, bought FROM balances WHERE account = ?')
      .get(account) as BalanceRow | undefined
  }

  /**
   * Takes the row the rest of the account's balance group keeps, where this
   * vault has none yet (it is new to the group): false if it has one.
   */
  adoptBalance(account: string, row: Omit<BalanceRow, 'credited'>, credited: number): boolean {
    return (
      this.#db
        .prepare('INSERT OR IGNORE INTO balances VALUES (?, ?, ?, ?, ?)')
        .run(account, row.used, row.allowance, credited, row.bought).changes === 1
    )
  }

  /** Adds `bytes` to the account's allowance for a period it was not yet credited for; false if it was. */
  credit(account: string, period: number, bytes: number): boolean {
    return (
      this.#db
        .prepare(
          `INSERT INTO balances VALUES (?, 0, ?, ?, 0) ON CONFLICT (account) DO UPDATE
           SET allowance = allowance + excluded.allowance, credited = excluded.credited WHERE credited < excluded.credited`,
        )
        .run(account, bytes, period).changes === 1
    )
  }

  /**
   * Adds `bytes` bought with a coin to the account's allowance, once per
   * coin: 'new' when credited now, 'again' when the coin bought for this
   * account already, 'taken' when it bought for another.
   */
  purchase(coin: string, account: string, bytes: number): 'new' | 'again' | 'taken' {
    return this.#db.transaction((): 'new' | 'again' | 'taken' => {
      const held = this.#db.prepare('SELECT account FROM purchases WHERE coin = ?').get(coin) as
        { account: string } | undefined
      if (held) return held.account === account ? 'again' : 'taken'
      this.#db.prepare('INSERT INTO purchases VALUES (?, ?, ?)').run(coin, account, bytes)
      // a row made by a purchase has been credited for no period yet
      this.#db
        .prepare(
          `INSERT INTO balances VALUES (?, 0, ?, 0, ?) ON CONFLICT (account) DO UPDATE
           SET allowance = allowance + excluded.allowance, bought = bought + excluded.bought`,
        )
        .run(account, bytes, bytes)
      return 'new'
    })()
  }

  /**
   * Pays for a batch out of the account's allowance: true when paid now or
   * already (the same root asked again costs nothing), false when the
   * allowance does not cover it. Grants older than `keepPeriods` are forgotten.
   */
  debit(account: string, root: string, size: number, period: number, keepPeriods: number): boolean {
    return this.#db.transaction((): boolean => {
      this.#db.prepare('DELETE FROM grants WHERE period < ?').run(period - keepPeriods)
      if (this.#db.prepare('SELECT 1 FROM grants WHERE account = ? AND root = ?').get(account, root))
        return true
      const paid = this.#db
        .prepare('UPDATE balances SET used = used + ? WHERE account = ? AND used + ? <= allowance')
        .run(size, account, size).changes
      if (paid !== 1) return false
      this.#db.prepare('INSERT INTO grants VALUES (?, ?, ?)').run(account, root, period)
      return true
    })()
  }

  /**
   * Notes that a vault backs an account this period: true when it already
   * does, or backs fewer than `most` accounts so far; false when it is at the limit.
   */
  back(vault: string, period: number, account: string, most: number): boolean {
    return this.#db.transaction((): boolean => {
      this.#db.prepare('DELETE FROM backs WHERE period < ?').run(period - 1)
      const backed = (
        this.#db.prepare('SELECT account FROM backs WHERE vault = ? AND period = ?').all(vault, period) as {
          account: string
        }[]
      ).map((r) => r.account)
      if (backed.includes(account)) return true
      if (backed.length >= most) return false
      this.#db.prepare('INSERT INTO backs VALUES (?, ?, ?)').run(vault, period, account)
      return true
    })()
  }

  // wallet: coins owned by the wallets used on this node

  /**
   * Keeps a proven coin for its owner; false when this proof is not news: an
   * older one, or the same one already owned. (A coin sent between two wallets
   * of this node is held as sent at that sequence, and becomes owned here.)
   */
  keepCoin(proof: CoinProof): boolean {
    const held = this.#db.prepare('SELECT seq, state FROM coins WHERE id = ?').get(proof.id) as
      { seq: number; state: string } | undefined
    if (held && (held.seq > proof.seq || (held.seq === proof.seq && held.state === 'owned'))) return false
    this.#db
      .prepare('INSERT OR REPLACE INTO coins VALUES (?, ?, ?, ?, ?, ?)')
      .run(proof.id, proof.owner, proof.seq, JSON.stringify(proof), 'owned', Date.now())
    return true
  }

  // inbox: this node as a member of a wallet's inbox group

  /**
   * Keeps a coin delivered to its owner's inbox (a newer sequence replaces an
   * older one) and lets go of what is older than `keepMs` or beyond the newest
   * `perOwner` of that owner: an inbox is a mailbox, not the ledger.
   */
  post(proof: CoinProof, keepMs: number, perOwner: number): void {
    const now = Date.now()
    this.#db
      .prepare(
        `INSERT INTO inbox VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner, id)
         DO UPDATE SET seq = excluded.seq, proof = excluded.proof, at = excluded.at WHERE excluded.seq > inbox.seq`,
      )
      .run(proof.owner, proof.id, proof.seq, JSON.stringify(proof), now)
    this.#db.prepare('DELETE FROM inbox WHERE at < ?').run(now - keepMs)
    this.#db
      .prepare(
        `DELETE FROM inbox WHERE owner = ? AND id NOT IN
         (SELECT id FROM inbox WHERE owner = ? ORDER BY at DESC LIMIT ?)`,
      )
      .run(proof.owner, proof.owner, perOwner)
  }

  /** Every wallet with deliveries kept here. */
  inboxOwners(): string[] {
    return (this.#db.prepare('SELECT DISTINCT owner FROM inbox').all() as { owner: string }[]).map(
      (r) => r.owner,
    )
  }

  /** The coins delivered to `owner`, newest first, passing over the `skip` newest. */
  inbox(owner: string, limit: number, skip = 0): CoinProof[] {
    return (
      this.#db
        .prepare('SELECT proof FROM inbox WHERE owner = ? ORDER BY at DESC, id LIMIT ? OFFSET ?')
        .all(owner, limit, skip) as {
        proof: string
      }[]
    ).map((r) => JSON.parse(r.proof) as CoinProof)
  }

  markSent(id: string, proof: CoinProof): void {
    this.#db
      .prepare("UPDATE coins SET state = 'sent', owner = ?, seq = ?, proof = ? WHERE id = ?")
      .run(proof.owner, proof.seq, JSON.stringify(proof), id)
  }

  ownedCoins(wallet: string): CoinProof[] {
    return (
      this.#db
        .prepare("SELECT proof FROM coins WHERE owner = ? AND state = 'owned' ORDER BY at")
        .all(wallet) as {
        proof: string
      }[]
    ).map((r) => JSON.parse(r.proof) as CoinProof)
  }

  addHistory(wallet: string, e: HistoryEntry): void {
    this.#db
      .prepare('INSERT INTO history VALUES (?, ?, ?, ?, ?)')
      .run(e.at, e.kind, e.coin_id, wallet, e.peer ?? null)
  }

  history(wallet: string, limit = 500): HistoryEntry[] {
    const rows = this.#db
      .prepare('SELECT at, kind, coin_id, peer FROM history WHERE wallet = ? ORDER BY at DESC LIMIT ?')
      .all(wallet, limit) as {
      at: number
      kind: HistoryEntry['kind']
      coin_id: string
      peer: string | null
    }[]
    return rows.map((r) => ({
      at: r.at,
      kind: r.kind,
      coin_id: r.coin_id,
      ...(r.peer ? { peer: r.peer } : {}),
    }))
  }

  /** Coins minted to `wallet` per UTC day, oldest first. */
  mintedPerDay(wallet: string): { day: string; coins: number }[] {
    return this.#db
      .prepare(
        `SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS day, count(*) AS coins FROM history
         WHERE wallet = ? AND kind = 'minted' GROUP BY day ORDER BY day`,
      )
      .all(wallet) as { day: string; coins: number }[]
  }

  // claims in flight, and receipts already used

  addPending(id: string, receipt: string, owner: string): void {
    this.#db.prepare('INSERT OR IGNORE INTO pending VALUES (?, ?, ?, ?)').run(id, receipt, owner, Date.now())
  }

  removePending(id: string): void {
    this.#db.prepare('DELETE FROM pending WHERE id = ?').run(id)
  }

  pending(): { id: string; receipt: string; owner: string; at: number }[] {
    return this.#db.prepare('SELECT id, receipt, owner, at FROM pending').all() as {
      id: string
      receipt: string
      owner: string
      at: number
    }[]
  }

  /**
   * Remembers a receipt as used, unless it was seen before (a replay) or its
   * client or chunk already has as many fresh receipts remembered as the
   * limits allow. First forgets receipts whose own time is past the maximum
   * age: the freshness check refuses them, so they can no longer be replayed.
   * Nothing fresh is ever forgotten early — that would reopen its replay —
   * so at a limit the new receipt is refused instead.
   */
  sight(r: { hash: string; client: string; chunk: string; at: number }, limits: ReceiptLimits): Sighting {
    const run = this.#db.transaction((): Sighting => {
      // a stale row only waits a moment longer to go: pruning once a second keeps a receipt's cost down
      const now = Date.now()
      if (now - this.#prunedAt >= 1_000) {
        this.pruneReceipts(limits.maxAgeMs, now)
        this.#prunedAt = now
      }
      if (this.#db.prepare('SELECT 1 FROM seen_receipts WHERE hash = ?').get(r.hash)) return 'replay'
      if (this.#receipts >= limits.total) return 'full'
      if ((this.#perClient.get(r.client) ?? 0) >= limits.perClient) return 'client-full'
      if ((this.#perChunk.get(r.chunk) ?? 0) >= limits.perChunk) return 'chunk-full'
      this.#db
        .prepare('INSERT INTO seen_receipts (hash, at, client, chunk) VALUES (?, ?, ?, ?)')
        .run(r.hash, r.at, r.client, r.chunk)
      this.#receipts++
      this.#perClient.set(r.client, (this.#perClient.get(r.client) ?? 0) + 1)
      this.#perChunk.set(r.chunk, (this.#perChunk.get(r.chunk) ?? 0) + 1)
      return 'new'
    })
    return run()
  }

  /** Forgets receipts older than `maxAgeMs` by their own time; how many went. */
  pruneReceipts(maxAgeMs: number, now = Date.now()): number {
    const gone = this.#db
      .prepare('DELETE FROM seen_receipts WHERE at < ? RETURNING client, chunk')
      .all(now - maxAgeMs) as { client: string; chunk: string }[]
    for (const row of gone) {
      less(this.#perClient, row.client)
      less(this.#perChunk, row.chunk)
    }
    this.#receipts -= gone.length
    return gone.length
  }

  receiptsRemembered(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM seen_receipts').get() as { n: number }).n
  }

  /** farm.db's files on disk (database, WAL, shared memory): counted against the vault's donation. */
  bytesOnDisk(): number {
    return countedDbBytes(this.#path)
  }

  // trust: this node's judgements of the vaults it challenges (trust.ts)

  trustRows(): { peer: string; misses: number; full: number; why: string | null }[] {
    return this.#db.prepare('SELECT peer, misses, full, why FROM trust').all() as {
      peer: string
      misses: number
      full: number
      why: string | null
    }[]
  }

  /** Keeps a vault's standing; a vault in good standing again (no misses, trusted) leaves no row. */
  saveTrust(peer: string, misses: number, full: number, why: string | null): void {
    if (misses === 0 && full === 0 && why === null) {
      this.#db.prepare('DELETE FROM trust WHERE peer = ?').run(peer)
      return
    }
    this.#db
      .prepare('INSERT OR REPLACE INTO trust VALUES (?, ?, ?, ?, ?)')
      .run(peer, misses, full, why, Date.now())
  }

  // peers seen: when this node first knew each vault, for the age its vouches ask for

  /** Notes vaults known now; a vault already noted keeps its first sighting. */
  sawPeers(peers: string[], now = Date.now()): void {
    const insert = this.#db.prepare('INSERT OR IGNORE INTO peers_seen VALUES (?, ?)')
    this.#db.transaction(() => {
      for (const peer of peers) insert.run(peer, now)
    })()
  }

  /** When this node first knew the vault, or undefined. */
  firstSeen(peer: string): number | undefined {
    return (
      this.#db.prepare('SELECT at FROM peers_seen WHERE peer = ?').get(peer) as { at: number } | undefined
    )?.at
  }

  setting(key: string): string | undefined {
    return (
      this.#db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
    )?.value
  }

  setSetting(key: string, value: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO settings VALUES (?, ?)').run(key, value)
  }

  close(): void {
    this.#db.close()
  }
}

function less(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 0) - 1
  if (n > 0) counts.set(key, n)
  else counts.delete(key)
}
