// Paid storage, the farming side: an account's right to store is a row kept
// by the close group of its balance address. The row's allowance grows once
// per farming period in which a quorum of the neighbours of a vault say that
// vault backs the account (it has been a vault among them for the vouching
// age, passing its storage proofs, and backs no other account this period);
// the first period's share is the account's starter allowance. A member
// pays for a batch of chunks by debiting the row and signing the batch's
// Merkle root; a quorum of such signatures is the ticket each PUT carries.
import { toHex } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import type { VaultPeer } from '../net/vault-peer.ts'
import type { OwnerKey } from '../records/index.ts'
import {
  balanceAddress,
  decodeLeaves,
  encodeLeaves,
  grantBytes,
  grantOf,
  grantRequestBytes,
  merklePath,
  NOT_PAID,
  TICKET_PERIODS,
  purchaseOwner,
} from '../storage/ticket.ts'
import type { Leaf, Ticket } from '../storage/ticket.ts'
import { COIN_QUORUM } from './coin.ts'
import type { CoinProof, CoinSignature } from './coin.ts'
import type { FarmDb } from './farm-db.ts'
import type { Back, FarmRequest, FarmResponse } from './messages.ts'
import { periodOf } from './receipt.ts'
import { validSigners, verifyBy } from './signing.ts'
import type { Validator } from './validator.ts'

/**
 * How long a vault's neighbours must have known it before it backs an
 * account (at most the farming vouch's age): a new user's first files wait
 * this long, and an identity made afresh must run this long before it earns.
 */
export const BACK_MIN_AGE_MS = 10 * 60_000

/** Accounts one vault may back in a period: its owner's, and the one a password change makes. */
export const ACCOUNTS_PER_VAULT = 2

export interface StoragePrices {
  /**
   * The most an account may store more for each farming period a vault backs
   * it; the first period's is the starter allowance, given whole. A vault
   * backs at most ACCOUNTS_PER_VAULT accounts a period, so this bounds what a
   * vault-hour buys (docs/SECURITY.md).
   */
  earnBytes: number
  /**
   * After the starter, a period earns this share of the bytes the backing
   * vault holds for others (by its neighbours' audits), up to `earnBytes`;
   * null: every backed period earns `earnBytes` (a network of one's own vaults).
   */
  heldShare: number | null
  /** Bytes one coin spent on an account's storage adds to its allowance. */
  coinBytes: number
}

/**
 * 16 MiB for each hour a vault backs the account (after the vouching age),
 * once it holds 64 MiB for others (a quarter of it an hour: what it holds
 * pays for a quarter as much at R = 4 copies): up to 384 MiB a day; 1 GiB
 * for a coin, about what a vault serves to mint one at the default target
 * (1,024 GETs of chunks up to 1 MiB).
 */
export const DEFAULT_PRICES: StoragePrices = { earnBytes: 16 * 2 ** 20, heldShare: 0.25, coinBytes: 2 ** 30 }

export interface BalanceGroupComponents {
  self: () => VaultPeer
  identity: OwnerKey
  db: FarmDb
  validator: Validator
  ask: (peer: VaultPeer, req: FarmRequest, timeoutMs?: number) => Promise<FarmResponse>
  /** Whether the coin's group agrees, by quorum, that the proof states the coin's owner now. */
  verifyCoin: (proof: CoinProof) => Promise<boolean>
  /** Bytes this vault's audits found `peer` holding of what it holds too (replication/holdings.ts). */
  heldFor: (peer: string) => number
}

export interface StorageBalance {
  used: number
  allowance: number
  /** Of the allowance, bytes bought with coin. */
  bought: number
}

export class StorageRefusedError extends PeerDriveError {
  constructor(why: string) {
    super('StorageRefused', `${NOT_PAID}: ${why}`)
  }
}

const accountOf = (key: OwnerKey): string => toHex(key.publicKey)

/** What a neighbour signs to back a vault's account in a period: with the bytes it found the vault holding. */
export function backBytes(vault: string, account: string, period: number, held: number): Buffer {
  return Buffer.from(JSON.stringify(['peerdrive/backs/v2', vault, account, period, held]))
}

export class BalanceGroup {
  readonly #c: BalanceGroupComponents
  readonly #prices: StoragePrices
  readonly #backs = new Map<string, Back[]>()

  constructor(components: BalanceGroupComponents, prices: StoragePrices) {
    this.#c = components
    this.#prices = prices
  }

  // --- as a vault near another: vouching that it backs an account -----------

  async back(from: string, account: string, period: number): Promise<FarmResponse> {
    const refusal = await this.#c.validator.vouchRefusal(from, period, BACK_MIN_AGE_MS)
    if (refusal) return { s: 'refused', reason: refusal }
    if (!this.#c.db.back(from, period, account, ACCOUNTS_PER_VAULT))
      return { s: 'refused', reason: 'the vault backs other accounts this period' }
    const held = this.#c.heldFor(from)
    const signature = this.#c.identity.sign(backBytes(from, account, period, held))
    return { s: 'ok', signature: toHex(signature), held }
  }

  // --- as a member of an account's balance group --------------------------

  async grant(from: string, req: Extract<FarmRequest, { t: 'grant' }>): Promise<FarmResponse> {
    const refusal = await this.#memberRefusal(req.account, req.period)
    if (refusal) return { s: 'refused', reason: refusal }
    const leaves = decodeLeaves(req.leaves)
    if (!leaves) return { s: 'refused', reason: 'a malformed batch' }
    const grant = grantOf(req.account, leaves, req.period)
    if (
      !verifyBy(Buffer.from(req.account, 'hex'), grantRequestBytes(grant, from), Buffer.from(req.auth, 'hex'))
    )
      return { s: 'refused', reason: 'the request is not signed by the account' }
    await this.#knowRow(req.account, req.period)
    await this.#credit(from, req.account, req.period, req.backs)
    if (!this.#c.db.debit(req.account, grant.root, grant.size, req.period, TICKET_PERIODS + 1)) {
      const row = this.#c.db.balance(req.account) ?? { used: 0, allowance: 0 }
      return {
        s: 'refused',
        reason:
          row.allowance === 0
            ? 'the account has no storage allowance yet: its vault earns it'
            : `the storage allowance is used up (${row.used} of ${row.allowance} bytes; ${grant.size} more asked)`,
      }
    }
    const row = this.#c.db.balance(req.account)!
    return {
      s: 'ok',
      signature: toHex(this.#c.identity.sign(grantBytes(grant))),
      used: row.used,
      allowance: row.allowance,
    }
  }

  async balance(from: string, req: Extract<FarmRequest, { t: 'balance' }>): Promise<FarmResponse> {
    const refusal = await this.#memberRefusal(req.account, req.period)
    if (refusal) return { s: 'refused', reason: refusal }
    // asked with backs, by the account's node; without, it is another member asking for this row alone
    if (req.backs.length > 0) await this.#knowRow(req.account, req.period)
    await this.#credit(from, req.account, req.period, req.backs)
    const row = this.#c.db.balance(req.account)
    return row ? { s: 'ok', used: row.used, allowance: row.allowance, bought: row.bought } : { s: 'unknown' }
  }

  /** A coin spent on the account's storage: its proof names the account's purchase owner, and its group agrees. */
  async buy(req: Extract<FarmRequest, { t: 'buy' }>): Promise<FarmResponse> {
    const refusal = await this.#memberRefusal(req.account, periodOf(Date.now()))
    if (refusal) return { s: 'refused', reason: refusal }
    if (req.proof.owner !== purchaseOwner(req.account))
      return { s: 'refused', reason: "the coin was not spent on this account's storage" }
    if (!(await this.#c.verifyCoin(req.proof)))
      return { s: 'refused', reason: "the coin's group does not agree it was spent so" }
    // a coin buys once: a second word of the same purchase is answered, not credited
    if (this.#c.db.purchase(req.proof.id, req.account, this.#prices.coinBytes) === 'taken')
      return { s: 'refused', reason: 'the coin bought storage already' }
    const row = this.#c.db.balance(req.account)!
    return { s: 'ok', used: row.used, allowance: row.allowance, bought: row.bought }
  }

  async #memberRefusal(account: string, period: number): Promise<string | undefined> {
    if (Math.abs(period - periodOf(Date.now())) > 1) return 'not the current farming period'
    const group = await this.#c.validator.lookupGroup(toHex(balanceAddress(account)))
    if (!group.some((p) => p.key === this.#c.self().key))
      return "this vault is not in the account's balance group"
    return undefined
  }

  /**
   * A member new to the account's group (it has no row) takes the row the
   * other members keep, before it credits or pays anything: the median of
   * theirs, and only from a majority of them (fewer could be ids made near
   * the account). Its credit for this period counts as given, so churn
   * neither restarts the account's use nor grants it an extra hour's share.
   * Taken during a grant, the others may have charged that batch already:
   * the newcomer then counts it twice, on the safe side.
   */
  async #knowRow(account: string, period: number): Promise<void> {
    if (this.#c.db.balance(account)) return
    const self = this.#c.self().key
    const others = (await this.#c.validator.lookupGroup(toHex(balanceAddress(account)))).filter(
      (p) => p.key !== self,
    )
    const answers = await Promise.all(
      others.map((p) =>
        this.#c.ask(p, { t: 'balance', account, period, backs: [] }, 5_000).catch(() => undefined),
      ),
    )
    const row = medianRow(answers, COIN_QUORUM - 1)
    if (row) this.#c.db.adoptBalance(account, row, period)
  }

  /**
   * Grows the allowance once a period, when a quorum of the sending vault's
   * neighbours say it backs the account. The first credit is the starter
   * allowance; after it, a period earns in proportion to what the vault holds
   * for others: the bytes that at least a quorum of its vouchers found it
   * holding, times `heldShare`, up to `earnBytes`. A vault the network placed
   * nothing on earns its account nothing after the starter.
   */
  async #credit(from: string, account: string, period: number, backs: Back[]): Promise<void> {
    if (backs.length < COIN_QUORUM) return
    const row = this.#c.db.balance(account)
    if (row && row.credited >= period) return
    const near = new Set((await this.#c.validator.clientNeighbours(from)).map((p) => p.key))
    const held = new Map<string, number>()
    for (const back of backs) {
      if (back.peer === from || !near.has(back.peer) || held.has(back.peer)) continue
      if (validSigners(backBytes(from, account, period, back.held), [back], () => true).size === 1)
        held.set(back.peer, back.held)
    }
    if (held.size < COIN_QUORUM) return
    // the most that a quorum of vouchers each found, at least: fewer cannot raise it
    const attested = [...held.values()].sort((a, b) => b - a)[COIN_QUORUM - 1]!
    const earnedBefore = row ? row.allowance - row.bought : 0
    this.#c.db.credit(account, period, earnedBefore > 0 ? this.#earned(attested) : this.#prices.earnBytes)
  }

  /** What a period of backing earns once the starter is given: a share of what the vault holds for others. */
  #earned(held: number): number {
    const { earnBytes, heldShare } = this.#prices
    if (heldShare === null) return earnBytes
    return Math.min(earnBytes, Math.floor(held * heldShare))
  }

  // --- as the vault of an account's node: paying for its chunks -----------

  /** This vault's neighbours' word that it backs the account this period, asked for once a period. */
  async backsFor(account: string, period: number): Promise<Back[]> {
    const key = `${period}/${account}`
    const kept = this.#backs.get(key)
    if (kept) return kept
    const near = await this.#c.validator.clientNeighbours(this.#c.self().key)
    const answers = await Promise.all(
      near.map((peer) =>
        this.#c.ask(peer, { t: 'back', account, period }, 5_000).then(
          (res) =>
            res.s === 'ok' && res.signature
              ? [{ peer: peer.key, signature: res.signature, held: res.held ?? 0 }]
              : [],
          () => [],
        ),
      ),
    )
    const backs = answers.flat()
    if (backs.length >= COIN_QUORUM) {
      for (const old of this.#backs.keys())
        if (Number(old.split('/')[0]) < period - 1) this.#backs.delete(old)
      this.#backs.set(key, backs)
    }
    return backs
  }

  /**
   * Has the account's balance group pay for a batch of chunks; one ticket per
   * leaf, in order. Throws StorageRefusedError with the group's reason when
   * fewer than a quorum pay.
   */
  async pay(account: OwnerKey, leaves: Leaf[]): Promise<Ticket[]> {
    const id = accountOf(account)
    const period = periodOf(Date.now())
    const grant = grantOf(id, leaves, period)
    const auth = toHex(account.sign(grantRequestBytes(grant, this.#c.self().key)))
    const backs = await this.backsFor(id, period)
    const req: FarmRequest = { t: 'grant', account: id, period, leaves: encodeLeaves(leaves), auth, backs }
    const { signatures, reasons } = await this.#askGroup(id, req)
    if (signatures.length < COIN_QUORUM) {
      const why = reasons[0] ?? "the account's balance group could not be reached"
      // without its neighbours' word, this node's vault earns the account nothing: say why
      const unbacked =
        backs.length < COIN_QUORUM
          ? `; this node's vault backs no account yet (its neighbours must have known it for ${BACK_MIN_AGE_MS / 60_000} minutes, and a node the network cannot reach is no vault)`
          : ''
      throw new StorageRefusedError(`${why}${unbacked}`)
    }
    const { root: _root, ...paid } = grant
    return leaves.map((_, index) => ({ ...paid, signatures, index, path: merklePath(leaves, index) }))
  }

  /** The account's row as its balance group keeps it: the figure most members agree on (the least, on a tie). */
  async balanceOf(account: OwnerKey): Promise<StorageBalance | undefined> {
    const id = accountOf(account)
    const period = periodOf(Date.now())
    const backs = await this.backsFor(id, period)
    const group = await this.#c.validator.lookupGroup(toHex(balanceAddress(id)))
    const answers = await Promise.all(
      group.map((p) =>
        this.#c.ask(p, { t: 'balance', account: id, period, backs }, 5_000).catch(() => undefined),
      ),
    )
    return medianRow(answers, 1)
  }

  /**
   * Tells every member of the account's balance group of a coin spent on
   * its storage (the coin already moved to the purchase owner); true when a
   * quorum credited it.
   */
  async announcePurchase(account: string, proof: CoinProof): Promise<boolean> {
    const group = await this.#c.validator.lookupGroup(toHex(balanceAddress(account)))
    const answers = await Promise.all(
      group.map((p) => this.#c.ask(p, { t: 'buy', account, proof }, 15_000).catch(() => undefined)),
    )
    return answers.filter((a) => a?.s === 'ok').length >= COIN_QUORUM
  }

  async #askGroup(
    account: string,
    req: FarmRequest,
  ): Promise<{ signatures: CoinSignature[]; reasons: string[] }> {
    const group = await this.#c.validator.lookupGroup(toHex(balanceAddress(account)))
    const answers = await Promise.all(
      group.map((p) =>
        this.#c.ask(p, req, 10_000).then(
          (res) => ({ peer: p.key, res, failed: false }),
          (err: unknown) => ({
            peer: p.key,
            res: { s: 'refused', reason: (err as Error).message } as FarmResponse,
            failed: true,
          }),
        ),
      ),
    )
    const signatures: CoinSignature[] = []
    const reasons: string[] = []
    const failures: string[] = []
    for (const { peer, res, failed } of answers) {
      if (res.s === 'ok' && res.signature) signatures.push({ peer, signature: res.signature })
      else if (res.s === 'refused') (failed ? failures : reasons).push(res.reason)
    }
    // a member's own refusal says more than a member that could not be reached
    return { signatures, reasons: [...reasons, ...failures] }
  }
}

/**
 * The row most members agree on: the median of the rows answered (the
 * smaller allowance, and then the larger use, on a tie), or undefined when
 * fewer than `least` answered with one.
 */
function medianRow(answers: (FarmResponse | undefined)[], least: number): StorageBalance | undefined {
  const rows = answers.flatMap((a) =>
    a?.s === 'ok' && a.used !== undefined && a.allowance !== undefined
      ? [{ used: a.used, allowance: a.allowance, bought: a.bought ?? 0 }]
      : [],
  )
  if (rows.length === 0 || rows.length < least) return undefined
  rows.sort((a, b) => a.allowance - b.allowance || b.used - a.used)
  return rows[Math.floor((rows.length - 1) / 2)]
}
