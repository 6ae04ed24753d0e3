// This node as a member of a coin's close group: it countersigns a claim or a
// transfer only after checking everything it can, and keeps the ledger row
// that refuses a second mint of the same id or a second spend of the same coin.
// As a vault near a client it vouches that the client has been a vault among
// its neighbours for a while: the cost a client identity must pay to earn others coin.
import { randomBytes } from 'node:crypto'
import { fromHex } from '../chunk-store.ts'
import { closeGroup, closestFirst, compareDistance, kadKey } from '../placement/index.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { vaultPeer } from '../net/peer-table.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import { closestTo } from '../net/router.ts'
import type { RoutedPeers } from '../net/router.ts'
import type { OwnerKey } from '../records/index.ts'
import { COIN_QUORUM, proofHasQuorum, statementBytes, transferSignedByOwner } from './coin.ts'
import type { CoinProof, CoinSignature } from './coin.ts'
import type { FarmDb } from './farm-db.ts'
import type { FarmRequest, FarmResponse } from './messages.ts'
import {
  attemptHash,
  coinIdOf,
  developerShareFalls,
  periodOf,
  receiptSignatureValid,
  underTarget,
  validVouchers,
  vouchBytes,
} from './receipt.ts'
import type { Receipt } from './receipt.ts'
import type { TrustTable } from './trust.ts'

export interface ValidatorComponents {
  peers: RoutedPeers & { self: VaultPeer; list(): VaultPeer[] }
  identity: OwnerKey
  db: FarmDb
  trust: TrustTable
  /** A farm request to another vault (or this one): storage proofs ask the chunk's group whether they hold it. */
  ask: (peer: VaultPeer, req: FarmRequest, timeoutMs?: number) => Promise<FarmResponse>
}

/** Holders of a chunk, besides the claimant, that must prove they hold it before its GET may mint. */
export const HOLDERS_NEEDED = 2
const HOLDER_TIMEOUT_MS = 5_000
/** How long a group member is given to say which row it holds for a coin being adopted. */
const ROW_TIMEOUT_MS = 5_000

export interface ValidatorOptions {
  replicas: number
  target: number
  receiptMaxAgeMs: number
  /** Coins one client identity can make vaults earn per farming period: its slots. */
  clientSlots: number
  /** How long a vault near a client must have known it before vouching for it. */
  clientMinAgeMs: number
  /** The share of coins minted on an app's GETs that goes to its developer. */
  developerShare: number
}

export class Validator {
  readonly #c: ValidatorComponents
  readonly #o: ValidatorOptions

  constructor(components: ValidatorComponents, opts: ValidatorOptions) {
    this.#c = components
    this.#o = opts
  }

  /** The members of the close group of an address (a chunk or a coin id). */
  group(addressHex: string): VaultPeer[] {
    return closeGroup(fromHex(addressHex), this.#c.peers.withSelf(), this.#o.replicas)
  }

  inGroup(addressHex: string, peer: string): boolean {
    return this.group(addressHex).some((p) => p.key === peer)
  }

  /**
   * The close group of an address anywhere in the key space, found by a
   * lookup: `group` ranks only the vaults this node is connected to, which
   * are the groups near this vault and no others.
   */
  lookupGroup(addressHex: string): Promise<VaultPeer[]> {
    return closestTo(this.#c.peers, fromHex(addressHex), this.#o.replicas)
  }

  /** Checks a vault's claim of the coin its receipt won; signs (id, owner, 1) if every check passes. */
  async claim(
    receipt: Receipt,
    owner: string,
    from: string,
    vaultVouches: CoinSignature[] = [],
  ): Promise<FarmResponse> {
    const refuse = (reason: string): FarmResponse => ({ s: 'refused', reason })
    const hash = attemptHash(receipt)
    const id = coinIdOf(receipt)
    if (receipt.vault !== from) return refuse('the claimant is not the vault named in the receipt')
    if (receipt.client === receipt.vault) return refuse('self-dealing: the client is the vault')
    if (Math.abs(Date.now() - receipt.at) > this.#o.receiptMaxAgeMs) return refuse('the receipt is not fresh')
    if (!receiptSignatureValid(receipt)) return refuse('the receipt is not signed by its client')
    if (!underTarget(hash, this.#o.target)) return refuse('the attempt is not under the farming target')
    if (!this.inGroup(id, this.#c.peers.self.key)) return refuse("this vault is not in the coin's group")
    // the coin id alone decides whether it is the app developer's share: neither side can choose
    if (
      receipt.developer !== undefined &&
      developerShareFalls(id, this.#o.developerShare) &&
      owner !== receipt.developer
    )
      return refuse("this coin is the app developer's share")
    // the chunk lies anywhere: its group is looked up, not read from this vault's neighbours
    const chunkGroup = await this.lookupGroup(receipt.chunk)
    if (!chunkGroup.some((p) => p.key === from)) return refuse("the vault is not in the chunk's close group")
    if (!this.#c.trust.isTrusted(from)) return refuse('the vault failed its storage proofs')
    if (receipt.slot >= this.#o.clientSlots)
      return refuse('the client has made vaults earn its limit this period')
    if (!(await this.#vouched(receipt))) return refuse('the client is not vouched for by the vaults near it')
    if (!(await this.#vaultVouched(receipt, vaultVouches)))
      return refuse(
        'the vault is not vouched for by the vaults near it: a vault mints once its neighbours have known it for the minimum age',
      )
    if (!(await this.#held(receipt.chunk, chunkGroup, from)))
      return refuse('the chunk is not held by its close group')
    if (!this.#c.db.mint(id, owner)) return refuse('this coin was minted already')
    return { s: 'ok', signature: this.#sign(id, owner, 1) }
  }

  /**
   * The 2R vaults nearest a client's own id, by lookup, the client left out:
   * the neighbours whose vouches count for it.
   */
  async clientNeighbours(client: string): Promise<VaultPeer[]> {
    let key: Uint8Array
    try {
      key = peerIdFromString(client).toMultihash().bytes
    } catch {
      return []
    }
    const ranked = await closestTo(this.#c.peers, key, 2 * this.#o.replicas + 1)
    return ranked.filter((p) => p.key !== client).slice(0, 2 * this.#o.replicas)
  }

  /**
   * Vouches for the asking vault in a farming period when this vault is among
   * its neighbours, knows it as a vault, trusts it (it passes its storage
   * proofs) and has known it for the minimum age. A key that was never a
   * vault on the network gets no vouch, so its receipts mint nothing.
   */
  async vouch(from: string, period: number): Promise<FarmResponse> {
    const refusal = await this.vouchRefusal(from, period)
    if (refusal) return { s: 'refused', reason: refusal }
    return {
      s: 'ok',
      signature: Buffer.from(this.#c.identity.sign(vouchBytes(from, period))).toString('hex'),
    }
  }

  /**
   * Why this vault will not vouch for `from` in the period, or undefined when
   * it will; `ageCapMs` lowers the age asked for (backing storage asks less).
   */
  async vouchRefusal(from: string, period: number, ageCapMs = Infinity): Promise<string | undefined> {
    if (Math.abs(period - periodOf(Date.now())) > 1) return 'not the current farming period'
    const known = this.#c.peers.list()
    this.#c.db.sawPeers(known.map((p) => p.key))
    if (!known.some((p) => p.key === from)) return 'not a vault this vault knows'
    if (!this.#c.trust.isTrusted(from)) return 'the vault failed its storage proofs'
    const since = this.#c.db.firstSeen(from) ?? Date.now()
    if (Date.now() - since < Math.min(this.#o.clientMinAgeMs, ageCapMs))
      return 'known here for too short a time'
    const near = await this.clientNeighbours(from)
    if (!near.some((p) => p.key === this.#c.peers.self.key)) return 'this vault is not near the client'
    return undefined
  }

  /**
   * A new vault ages before it mints: a quorum of the claimant's own
   * neighbours (the client left out) must vouch that it has been a vault
   * among them for the minimum age in the receipt's period, as a client's do.
   */
  async #vaultVouched(receipt: Receipt, vouches: CoinSignature[]): Promise<boolean> {
    const near = new Set((await this.clientNeighbours(receipt.vault)).map((p) => p.key))
    near.delete(receipt.client)
    const vouchers = validVouchers(receipt.vault, periodOf(receipt.at), vouches, (p) => near.has(p))
    return vouchers.size >= COIN_QUORUM
  }

  /** Whether a quorum of the client's neighbours (by this vault's lookup, the serving vault left out) vouch for it. */
  async #vouched(receipt: Receipt): Promise<boolean> {
    const near = new Set((await this.clientNeighbours(receipt.client)).map((p) => p.key))
    near.delete(receipt.vault)
    const vouchers = validVouchers(receipt.client, periodOf(receipt.at), receipt.vouches, (p) => near.has(p))
    return vouchers.size >= COIN_QUORUM
  }

  /**
   * Whether the chunk exists: trusted members of its close group other than
   * the claimant answer a storage challenge for it with a digest, which only
   * a holder can give. A receipt for an address nobody holds mints nothing.
   */
  async #held(chunk: string, group: VaultPeer[], claimant: string): Promise<boolean> {
    const others = group.filter((p) => p.key !== claimant && this.#c.trust.isTrusted(p.key))
    const answers = await Promise.all(
      others.map((p) =>
        this.#c.ask(p, { t: 'prove', chunk, nonce: randomBytes(32).toString('hex') }, HOLDER_TIMEOUT_MS).then(
          (res) => res.s === 'ok',
          () => false,
        ),
      ),
    )
    return answers.filter(Boolean).length >= HOLDERS_NEEDED
  }

  /** Checks an owner-signed transfer against the ledger row; signs (id, to, seq) if it is the next move. */
  transfer(id: string, to: string, seq: number, auth: string): FarmResponse {
    const row = this.#c.db.ledgerRow(id)
    if (!row) return { s: 'refused', reason: 'unknown coin' }
    if (seq !== row.seq + 1) return { s: 'refused', reason: 'the coin has moved since: already spent' }
    if (!transferSignedByOwner(row.owner, id, to, seq, auth))
      return { s: 'refused', reason: "the transfer is not signed by the coin's owner" }
    if (!this.#c.db.move(id, to, seq))
      return { s: 'refused', reason: 'the coin has moved since: already spent' }
    return { s: 'ok', signature: this.#sign(id, to, seq) }
  }

  /**
   * A vault that joined a coin's group after the coin was minted or last
   * moved has no row for it. It takes one from a statement signed by a quorum
   * of vaults near the coin id (the owner carries such a proof for every
   * coin), unless the rest of the group holds rows that say otherwise.
   */
  async adopt(proof: CoinProof): Promise<FarmResponse> {
    if (!this.inGroup(proof.id, this.#c.peers.self.key))
      return { s: 'refused', reason: "this vault is not in the coin's group" }
    if (!proofHasQuorum(proof, (peer) => this.near(proof.id, peer)))
      return { s: 'refused', reason: 'the coin proof has no quorum' }
    if (!(await this.#groupAgrees(proof)))
      return { s: 'refused', reason: "the coin's group holds another row for it" }
    this.#c.db.adopt(proof.id, proof.owner, proof.seq)
    return { s: 'ok' }
  }

  /**
   * Peer ids cost nothing to make, so a quorum of signers near a coin proves
   * little alone: ids ground near it could sign any owner at a higher
   * sequence. The row is taken only if the members that know the coin (this
   * one included) do not, in greater number, hold a row it contradicts. A member at this
   * row or past it (a transfer under way) agrees; one behind it or naming
   * another owner at it does not. With nobody else knowing the coin, the
   * proof stands alone, as before.
   */
  async #groupAgrees(proof: CoinProof): Promise<boolean> {
    const self = this.#c.peers.self.key
    const others = (await this.lookupGroup(proof.id)).filter((p) => p.key !== self)
    const answers = await Promise.all(
      others.map((p) => this.#c.ask(p, { t: 'coin', id: proof.id }, ROW_TIMEOUT_MS).catch(() => undefined)),
    )
    // this member's own row counts as one of the group's
    answers.push(this.coin(proof.id))
    let agree = 0
    let against = 0
    for (const a of answers) {
      if (a?.s !== 'ok' || a.seq === undefined) continue
      if (a.seq > proof.seq || (a.seq === proof.seq && a.owner === proof.owner)) agree++
      else against++
    }
    return against === 0 || agree >= against
  }

  /**
   * Whether a signer is near enough to a coin id to have been in its group:
   * no farther from it than the 2R-th closest vault known now. Distance
   * follows from the peer id alone, so signers that have since left still count.
   */
  near(id: string, peer: string): boolean {
    const target = kadKey(fromHex(id))
    const known = closestFirst(target, this.#c.peers.withSelf())
    const bound = known[Math.min(known.length, 2 * this.#o.replicas) - 1]
    if (!bound) return false
    let signer: VaultPeer
    try {
      signer = vaultPeer(peerIdFromString(peer))
    } catch {
      return false
    }
    return compareDistance(target, signer.kadId, bound.kadId) <= 0
  }

  coin(id: string): FarmResponse {
    const row = this.#c.db.ledgerRow(id)
    return row ? { s: 'ok', owner: row.owner, seq: row.seq } : { s: 'unknown' }
  }

  #sign(id: string, owner: string, seq: number): string {
    return Buffer.from(this.#c.identity.sign(statementBytes(id, owner, seq))).toString('hex')
  }
}
