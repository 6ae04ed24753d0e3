// Where a coin sent to a wallet waits for it. The sender cannot know which
// node holds the receiving wallet, and telling every node would be a
// broadcast; so a delivery goes to the close group of the wallet's inbox key
// (a hash of the wallet id), whose members keep it, and the node that holds
// the wallet asks that group for its deliveries now and then. A member keeps
// only proofs signed by a quorum of the coin's group, so filling an inbox
// costs a real transfer per entry.
import { createHash } from 'node:crypto'
import { HandOverMemory } from '../net/hand-over.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import { proofHasQuorum } from './coin.ts'
import type { CoinProof } from './coin.ts'
import type { FarmDb } from './farm-db.ts'
import { MAX_INBOX_PROOFS, MAX_INBOX_SKIP } from './messages.ts'
import type { FarmRequest, FarmResponse } from './messages.ts'

/** How long a delivery waits in an inbox for its wallet to collect it. */
const KEEP_MS = 30 * 24 * 3600_000

export function inboxKey(wallet: string): string {
  return createHash('sha256').update('peerdrive/inbox/').update(wallet).digest('hex')
}

export interface InboxComponents {
  self(): VaultPeer
  db: Pick<FarmDb, 'post' | 'inbox' | 'inboxOwners'>
  lookupGroup(addressHex: string): Promise<VaultPeer[]>
  /** An id's close group as this vault sees it now. */
  group(addressHex: string): VaultPeer[]
  /** Whether a peer is near enough to an id (a coin's, an inbox's) to be in its group. */
  near(idHex: string, peer: string): boolean
  ask(peer: VaultPeer, req: FarmRequest): Promise<FarmResponse>
}

/**
 * How long a wallet's node trusts its last lookup of its inbox group. It
 * collects every few seconds; a lookup each time was most of an idle
 * vault's network traffic, and a group changes only with churn (a member
 * that fails to answer forgets the group at once).
 */
const GROUP_KEEP_MS = 5 * 60_000

export class CoinInbox {
  readonly #c: InboxComponents
  readonly #handed = new HandOverMemory()
  readonly #groups = new Map<string, { peers: VaultPeer[]; until: number }>()

  constructor(components: InboxComponents) {
    this.#c = components
  }

  /** The inbox group of a wallet this node collects for, looked up again when old or when a member failed. */
  async #collectGroup(wallet: string): Promise<VaultPeer[]> {
    const kept = this.#groups.get(wallet)
    if (kept && kept.until > Date.now()) return kept.peers
    const peers = await this.#c.lookupGroup(inboxKey(wallet))
    if (peers.length > 0) this.#groups.set(wallet, { peers, until: Date.now() + GROUP_KEEP_MS })
    return peers
  }

  /**
   * Tells the members that joined an inbox group this vault is in what it
   * keeps for it (a vault that joined, or the next closest after a loss), so
   * a delivery outlives the members that first kept it; how many proofs
   * were handed over.
   */
  async handOver(): Promise<number> {
    const self = this.#c.self().key
    let handed = 0
    for (const owner of this.#c.db.inboxOwners()) {
      const key = inboxKey(owner)
      if (!this.#c.near(key, self)) continue
      for (const peer of this.#handed.newcomers(key, this.#c.group(key), self)) {
        const proofs = this.#c.db.inbox(owner, MAX_INBOX_SKIP)
        const answers = await Promise.all(
          proofs.map((proof) => this.#c.ask(peer, { t: 'deliver', proof }).catch(() => undefined)),
        )
        // one that did not answer is tried again at the next hand-over; a refusal is its answer
        if (answers.every((a) => a !== undefined)) this.#handed.told(key, peer.key)
        handed += answers.filter((a) => a?.s === 'ok').length
      }
    }
    return handed
  }

  /** Hands a transferred coin's proof to its new owner's inbox group; how many members took it. */
  async deliver(proof: CoinProof): Promise<number> {
    const group = await this.#c.lookupGroup(inboxKey(proof.owner))
    const answers = await Promise.all(
      group.map((peer) => this.#c.ask(peer, { t: 'deliver', proof }).catch(() => undefined)),
    )
    return answers.filter((a) => a?.s === 'ok').length
  }

  /** As a member of the inbox group: keeps a delivery that a coin group's quorum signed. */
  keep(proof: CoinProof): FarmResponse {
    if (!this.#c.near(inboxKey(proof.owner), this.#c.self().key)) return { s: 'ok' }
    if (!proofHasQuorum(proof, (peer) => this.#c.near(proof.id, peer)))
      return { s: 'refused', reason: 'the coin proof has no quorum' }
    this.#c.db.post(proof, KEEP_MS, MAX_INBOX_SKIP)
    return { s: 'ok' }
  }

  /** As a member of the inbox group: one page of a wallet's deliveries, newest first. */
  answer(owner: string, skip: number): FarmResponse {
    return { s: 'ok', proofs: this.#c.db.inbox(owner, MAX_INBOX_PROOFS, skip) }
  }

  /**
   * Asks the wallet's inbox group for its deliveries and hands each to
   * `take`, which answers whether it was news; paging stops at a page with
   * nothing new, so a wallet that collects often reads one page per member.
   */
  async collect(wallet: string, take: (proof: CoinProof) => boolean): Promise<number> {
    const group = await this.#collectGroup(wallet)
    let taken = 0
    await Promise.all(
      group.map(async (peer) => {
        for (let skip = 0; skip < MAX_INBOX_SKIP; skip += MAX_INBOX_PROOFS) {
          const res = await this.#c.ask(peer, { t: 'inbox', owner: wallet, skip }).catch(() => undefined)
          if (res === undefined) this.#groups.delete(wallet)
          const proofs = res?.s === 'ok' ? (res.proofs ?? []) : []
          const news = proofs.filter((p) => p.owner === wallet && take(p)).length
          taken += news
          if (news === 0 || proofs.length < MAX_INBOX_PROOFS) return
        }
      }),
    )
    return taken
  }
}
