// A coin's ledger row lives with the close group of its id. When that group
// changes (a member leaves and the next closest vault takes its place, or a
// vault joins nearer the coin), the newcomer has no row, and a stale proof
// could later pass with it. So a member tells each vault new to the group
// of each coin it keeps which coins those are; the newcomer asks the other
// members for their rows and takes the row a majority of them hold. Nothing
// is taken on the teller's word alone: it only says where to look.
import { HandOverMemory } from '../net/hand-over.ts'
import type { VaultPeer } from '../net/vault-peer.ts'
import type { FarmDb } from './farm-db.ts'
import { MAX_HANDED_ROWS } from './messages.ts'
import type { FarmRequest, FarmResponse } from './messages.ts'

/** Rows asked for at once while taking a hand-over: each costs a question to every other member. */
const TAKE_CONCURRENCY = 8
/** A coin asked about is not asked about again this soon: told of it again, the vault does nothing. */
const RETRY_AFTER_MS = 60_000
/** Coins remembered as asked about; past this, the memory starts over. */
const MAX_TRIED = 8192

export interface LedgerHandOverComponents {
  self: () => VaultPeer
  db: Pick<FarmDb, 'ledgerIds' | 'ledgerRow' | 'adopt'>
  /** The coin's group as this vault sees it (its own links): the groups near it. */
  group: (hex: string) => VaultPeer[]
  near: (hex: string, peer: string) => boolean
  ask: (peer: VaultPeer, req: FarmRequest, timeoutMs?: number) => Promise<FarmResponse>
}

export class LedgerHandOver {
  readonly #c: LedgerHandOverComponents
  readonly #handed = new HandOverMemory()
  readonly #tried = new Map<string, number>()

  constructor(components: LedgerHandOverComponents) {
    this.#c = components
  }

  /** As a member: tells the vaults new to the groups of the coins kept here which coins; how many were told. */
  async handOver(): Promise<number> {
    const self = this.#c.self().key
    const byPeer = new Map<string, { peer: VaultPeer; ids: string[] }>()
    for (const id of this.#c.db.ledgerIds()) {
      const group = this.#c.group(id)
      if (!group.some((p) => p.key === self)) continue
      for (const peer of this.#handed.newcomers(id, group, self)) {
        const entry = byPeer.get(peer.key) ?? { peer, ids: [] }
        entry.ids.push(id)
        byPeer.set(peer.key, entry)
      }
    }
    let told = 0
    for (const { peer, ids } of byPeer.values())
      for (let at = 0; at < ids.length; at += MAX_HANDED_ROWS) {
        const page = ids.slice(at, at + MAX_HANDED_ROWS)
        const answer = await this.#c.ask(peer, { t: 'rows', ids: page }, 60_000).catch(() => undefined)
        // one that did not answer is told again at the next hand-over
        if (answer === undefined) continue
        for (const id of page) this.#handed.told(id, peer.key)
        told += page.length
      }
    return told
  }

  /**
   * As a vault told of coins in its groups: for each coin it has no row
   * for, whose group it is in, and whose teller is near it, asks the other
   * members and takes the row a majority of those answering hold (at least
   * two agreeing). How many rows were taken.
   */
  async take(ids: string[], from: string): Promise<number> {
    const self = this.#c.self().key
    const now = Date.now()
    const wanted = ids.filter(
      (id) =>
        !this.#c.db.ledgerRow(id) &&
        now - (this.#tried.get(id) ?? -Infinity) >= RETRY_AFTER_MS &&
        this.#c.near(id, from) &&
        this.#c.group(id).some((p) => p.key === self),
    )
    // a peer that tells the same coins again and again costs one round of questions a minute
    if (this.#tried.size + wanted.length > MAX_TRIED) this.#tried.clear()
    for (const id of wanted) this.#tried.set(id, now)
    let taken = 0
    for (let at = 0; at < wanted.length; at += TAKE_CONCURRENCY) {
      const done = await Promise.all(wanted.slice(at, at + TAKE_CONCURRENCY).map((id) => this.#takeOne(id)))
      taken += done.filter(Boolean).length
    }
    return taken
  }

  async #takeOne(id: string): Promise<boolean> {
    const self = this.#c.self().key
    const others = this.#c.group(id).filter((p) => p.key !== self)
    const answers = await Promise.all(
      others.map((p) => this.#c.ask(p, { t: 'coin', id }, 5_000).catch(() => undefined)),
    )
    const rows = answers.flatMap((a) =>
      a?.s === 'ok' && a.owner !== undefined && a.seq !== undefined ? [{ owner: a.owner, seq: a.seq }] : [],
    )
    const agreeing = new Map<string, number>()
    for (const r of rows) agreeing.set(`${r.seq}/${r.owner}`, (agreeing.get(`${r.seq}/${r.owner}`) ?? 0) + 1)
    // the latest row that a majority of those answering, and at least two, hold
    const best = [...agreeing.entries()]
      .filter(([, n]) => n >= 2 && 2 * n > rows.length)
      .map(([key]) => ({ seq: Number(key.split('/')[0]), owner: key.split('/')[1]! }))
      .sort((a, b) => b.seq - a.seq)[0]
    return best ? this.#c.db.adopt(id, best.owner, best.seq) : false
  }
}
