// Where a share sent to an account waits for it. The sender does not know
// which node the receiving account is open on, so the sealed offer goes to
// the close group of the account's share-inbox key (a hash of its id), whose
// vaults keep it (offer-box.ts); the node the account is open on asks that
// group for its offers now and then. Offers are sealed to the account
// (offer.ts): the vaults keeping them learn only how many an id was sent.
import { createHash } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'
import type { Host } from '../net/host.ts'
import { requestOneShot, serveOneShot } from '../net/one-shot.ts'
import type { OneShotProtocol } from '../net/one-shot.ts'
import type { PeerScores } from '../net/peer-scores.ts'
import { HandOverMemory } from '../net/hand-over.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import type { OfferBox } from './offer-box.ts'
import { MAX_PER_ACCOUNT } from './offer-box.ts'
import { MAX_OFFER_BYTES, isAccountId } from './offer.ts'

export const SHARE_INBOX_PROTOCOL = '/peerdrive/share-inbox/1.0.0'

export type InboxRequest = { t: 'keep'; to: string; offer: Uint8Array } | { t: 'list'; to: string }
export type InboxResponse = { s: 'ok'; offers?: Uint8Array[] } | { s: 'refused'; reason: string }

/** The largest message: a full page of offers in base64, with room for the JSON around them. */
const MAX_MESSAGE_BYTES = Math.ceil((MAX_PER_ACCOUNT * MAX_OFFER_BYTES * 4) / 3) + 16_384

/** How long a collecting node trusts its last lookup of an inbox group. */
const GROUP_KEEP_MS = 5 * 60_000

export function shareInboxKey(account: string): string {
  return createHash('sha256').update('peerdrive/share-inbox/').update(account).digest('hex')
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const fromB64 = (text: unknown): Uint8Array => {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('not base64')
  return Uint8Array.from(Buffer.from(text, 'base64'))
}
const json = (value: unknown) => Buffer.from(JSON.stringify(value))
const parse = (body: Uint8Array): Record<string, unknown> => {
  const value = JSON.parse(Buffer.from(body).toString('utf8')) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
  return value as Record<string, unknown>
}

/** The wire form: one JSON object each way, every field checked on the way in. */
export const inboxProtocol: OneShotProtocol<InboxRequest, InboxResponse> = {
  id: SHARE_INBOX_PROTOCOL,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  encodeRequest: (req) => json(req.t === 'keep' ? { t: 'keep', to: req.to, offer: b64(req.offer) } : req),
  decodeRequest(body) {
    const m = parse(body)
    if (!isAccountId(m.to)) throw new Error('to is not an account id')
    if (m.t === 'list') return { t: 'list', to: m.to }
    if (m.t !== 'keep') throw new Error('unknown request')
    const offer = fromB64(m.offer)
    if (offer.byteLength === 0 || offer.byteLength > MAX_OFFER_BYTES) throw new Error('offer size')
    return { t: 'keep', to: m.to, offer }
  },
  encodeResponse: (res) =>
    json(res.s === 'ok' && res.offers ? { s: 'ok', offers: res.offers.map(b64) } : res),
  decodeResponse(body) {
    const m = parse(body)
    if (m.s === 'refused') return { s: 'refused', reason: String(m.reason).slice(0, 200) }
    if (m.s !== 'ok') throw new Error('unknown response')
    if (m.offers === undefined) return { s: 'ok' }
    if (!Array.isArray(m.offers) || m.offers.length > MAX_PER_ACCOUNT) throw new Error('offers')
    return { s: 'ok', offers: m.offers.map(fromB64).filter((o) => o.byteLength <= MAX_OFFER_BYTES) }
  },
}

export interface ShareInboxComponents {
  host: Host
  scores: PeerScores
  self(): VaultPeer
  /** Where this vault keeps offers, or undefined on a node that keeps none (a client). */
  box?: OfferBox
  lookupGroup(addressHex: string): Promise<VaultPeer[]>
  /** An id's close group as this vault sees it now. */
  group(addressHex: string): VaultPeer[]
  /** Whether a peer is near enough to an id to be in its group. */
  near(idHex: string, peer: string): boolean
}

export class ShareInbox {
  readonly #c: ShareInboxComponents
  readonly #handed = new HandOverMemory()
  readonly #groups = new Map<string, { peers: VaultPeer[]; until: number }>()

  constructor(components: ShareInboxComponents) {
    this.#c = components
  }

  async serve(): Promise<void> {
    await serveOneShot(this.#c.host, inboxProtocol, async (req) => this.answer(req), this.#c.scores)
  }

  /** As a member of an inbox group: keeps an offer, or lists an account's. */
  answer(req: InboxRequest): InboxResponse {
    const box = this.#c.box
    if (!box || !this.#c.near(shareInboxKey(req.to), this.#c.self().key))
      return { s: 'refused', reason: "this vault is not in the account's share-inbox group" }
    if (req.t === 'list') return { s: 'ok', offers: box.offers(req.to) }
    box.keep(req.to, req.offer)
    return { s: 'ok' }
  }

  /**
   * Tells the members that joined an inbox group this vault is in what it
   * keeps for it (a vault that joined, or the next closest after a loss);
   * how many offers were handed over.
   */
  async handOver(): Promise<number> {
    const box = this.#c.box
    if (!box) return 0
    const self = this.#c.self().key
    let handed = 0
    for (const account of box.accounts()) {
      const key = shareInboxKey(account)
      if (!this.#c.near(key, self)) continue
      const group = this.#c.group(key)
      for (const peer of this.#handed.newcomers(key, group, self)) {
        const offers = box.offers(account)
        const answers = await Promise.all(
          offers.map((offer) => this.#ask(peer, { t: 'keep', to: account, offer })),
        )
        // one that did not answer is tried again at the next hand-over; a refusal is its answer
        if (answers.every((a) => a !== undefined)) this.#handed.told(key, peer.key)
        handed += answers.filter((a) => a?.s === 'ok').length
      }
    }
    return handed
  }

  /** Hands a sealed offer to the account's inbox group; how many members kept it. */
  async deliver(to: string, offer: Uint8Array): Promise<number> {
    const group = await this.#c.lookupGroup(shareInboxKey(to))
    const answers = await Promise.all(group.map((peer) => this.#ask(peer, { t: 'keep', to, offer })))
    return answers.filter((a) => a?.s === 'ok').length
  }

  /** Every offer the account's inbox group keeps for it, each once. */
  async collect(account: string): Promise<Uint8Array[]> {
    const group = await this.#collectGroup(account)
    const answers = await Promise.all(group.map((peer) => this.#ask(peer, { t: 'list', to: account })))
    // a member that did not answer may be gone: the group is looked up again next time
    if (answers.some((a) => a === undefined)) this.#groups.delete(account)
    const seen = new Map<string, Uint8Array>()
    for (const a of answers)
      for (const offer of a?.s === 'ok' ? (a.offers ?? []) : [])
        seen.set(Buffer.from(offer).toString('base64'), offer)
    return [...seen.values()]
  }

  /**
   * The account's inbox group, looked up again when old or when a member
   * failed: the account's node collects every few seconds, and a lookup each
   * time would be most of an idle node's traffic.
   */
  async #collectGroup(account: string): Promise<VaultPeer[]> {
    const kept = this.#groups.get(account)
    if (kept && kept.until > Date.now()) return kept.peers
    const peers = await this.#c.lookupGroup(shareInboxKey(account))
    if (peers.length > 0) this.#groups.set(account, { peers, until: Date.now() + GROUP_KEEP_MS })
    return peers
  }

  async #ask(peer: VaultPeer, req: InboxRequest): Promise<InboxResponse | undefined> {
    if (peer.key === this.#c.self().key) return this.answer(req)
    return requestOneShot(this.#c.host, peer.id as PeerId, inboxProtocol, req, 15_000).catch(() => undefined)
  }
}
