// /peerdrive/farm/2.0.0 messages (pb/farm.proto, compiled by protons):
// storage proofs, receipts, vouches, coin claims, transfers, ledger queries,
// deliveries and the inboxes that keep them. In memory hashes, keys and signatures are hex (what the ledger
// and the signatures use); on the wire they are raw bytes. Every field is
// checked for size on the way in: anything else is a malformed message.
import { toHex } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import type { CoinProof, CoinSignature } from './coin.ts'
import { LEAF_BYTES, MAX_TICKET_LEAVES } from '../storage/ticket.ts'
import { FarmRequest as WireRequest, FarmResponse as WireResponse } from './pb/farm.js'
import type { CoinProof as WireProof, Receipt as WireReceipt } from './pb/farm.js'
import type { Receipt } from './receipt.ts'

export const MAX_FARM_MESSAGE_BYTES = 16 * 1024
const MAX_SIGNATURES = 8
/** Coin ids one ROWS message may name. */
export const MAX_HANDED_ROWS = 256
/** Receipts one RECEIPTS message may carry: losing ones, about 250 bytes each. */
export const MAX_BATCHED_RECEIPTS = 32
/** Vouches a receipt may carry: the client's 2R nearest vaults, with room to spare. */
const MAX_VOUCHES = 16
/** A receipt's slot: far above any period's limit, small enough to check. */
const MAX_SLOT = 65_536
const MAX_REASON_CHARS = 200
/** Coin proofs in one inbox answer: with eight signatures each, twelve fit in a message. */
export const MAX_INBOX_PROOFS = 12
/** Paging stops here: an inbox keeps no more than this many deliveries for one wallet. */
export const MAX_INBOX_SKIP = 1024

/** A neighbour's word that a vault backs an account this period, and the bytes it found that vault holding. */
export interface Back extends CoinSignature {
  held: number
}

export type FarmRequest =
  | { t: 'prove'; chunk: string; nonce: string }
  | { t: 'receipt'; receipt: Receipt }
  /** Receipts sent together to the vault that served them; a winning one (with vouches) goes alone. */
  | { t: 'receipts'; receipts: Receipt[] }
  /** `vouches`: the claimant vault's neighbours' word that it has been a vault among them for the minimum age. */
  | { t: 'claim'; receipt: Receipt; owner: string; vouches: CoinSignature[] }
  | { t: 'transfer'; id: string; to: string; seq: number; auth: string }
  | { t: 'coin'; id: string }
  | { t: 'deliver'; proof: CoinProof }
  | { t: 'adopt'; proof: CoinProof }
  | { t: 'inbox'; owner: string; skip: number }
  | { t: 'vouch'; period: number }
  | { t: 'back'; account: string; period: number }
  /** `leaves`: the batch on the wire (storage/ticket.ts); `auth`: the account's signature of the request. */
  | { t: 'grant'; account: string; period: number; leaves: Uint8Array; auth: string; backs: Back[] }
  | { t: 'balance'; account: string; period: number; backs: Back[] }
  /** A coin moved to the account's purchase owner (storage/ticket.ts): its proof buys storage. */
  | { t: 'buy'; account: string; proof: CoinProof }
  /** Coins whose rows the sending member keeps, told to a vault new to their groups (ledger-hand-over.ts). */
  | { t: 'rows'; ids: string[] }

export type FarmResponse =
  | {
      s: 'ok'
      digest?: string
      signature?: string
      owner?: string
      seq?: number
      proofs?: CoinProof[]
      /** An account's storage row: bytes paid for, and bytes it may store in all. */
      used?: number
      allowance?: number
      /** Of the allowance, bytes bought with coin. */
      bought?: number
      /** A back: the bytes the vouching vault found the backing vault holding. */
      held?: number
    }
  | { s: 'missing' }
  | { s: 'unknown' }
  | { s: 'refused'; reason: string }

export class FarmMessageError extends PeerDriveError {
  constructor(why: string) {
    super('FarmMessageInvalid', `malformed farming message: ${why}`)
  }
}

const { Type } = WireRequest
const TYPES: Record<FarmRequest['t'], WireRequest.Type> = {
  prove: Type.PROVE,
  receipt: Type.RECEIPT,
  receipts: Type.RECEIPTS,
  claim: Type.CLAIM,
  transfer: Type.TRANSFER,
  coin: Type.COIN,
  deliver: Type.DELIVER,
  adopt: Type.ADOPT,
  inbox: Type.INBOX,
  vouch: Type.VOUCH,
  back: Type.BACK,
  grant: Type.GRANT,
  balance: Type.BALANCE,
  buy: Type.BUY,
  rows: Type.ROWS,
}
const { Status } = WireResponse

const bytes = (hex: string): Uint8Array => Buffer.from(hex, 'hex')
/** The bytes as hex when they have exactly `size` bytes, else undefined. */
const hexOf = (b: Uint8Array | undefined, size: number): string | undefined =>
  b !== undefined && b.length === size ? toHex(b) : undefined
const isPeerId = (v: string): boolean => /^[1-9A-HJ-NP-Za-km-z]{40,64}$/.test(v)
const isSeq = (v: number): boolean => Number.isSafeInteger(v) && v >= 1 && v < 2 ** 31

function wireReceipt(r: Receipt): WireReceipt {
  return {
    chunk: bytes(r.chunk),
    vault: r.vault,
    client: r.client,
    at: r.at,
    nonce: bytes(r.nonce),
    signature: bytes(r.signature),
    slot: r.slot,
    vouches: r.vouches.map((v) => ({ peer: v.peer, signature: bytes(v.signature) })),
    ...(r.developer !== undefined ? { developer: bytes(r.developer) } : {}),
  }
}

const wireSignature = (s: CoinSignature): { peer: string; signature: Uint8Array } => ({
  peer: s.peer,
  signature: bytes(s.signature),
})

const wireBack = (b: Back): { peer: string; signature: Uint8Array; held: number } => ({
  ...wireSignature(b),
  held: b.held,
})

/** A byte count on the wire: a whole number below 2^53. */
const isByteCount = (v: number): boolean => Number.isSafeInteger(v) && v >= 0

function wireProof(p: CoinProof): WireProof {
  return { id: bytes(p.id), owner: bytes(p.owner), seq: p.seq, signatures: p.signatures.map(wireSignature) }
}

/** Backs: signatures with the bytes each voucher found held (none, for an older voucher: 0), or undefined when one is malformed. */
function backsOf(list: { peer: string; signature: Uint8Array; held?: number }[]): Back[] | undefined {
  const signatures = signaturesOf(list)
  if (!signatures) return undefined
  const held = list.map((s) => s.held ?? 0)
  if (!held.every(isByteCount)) return undefined
  return signatures.map((s, i) => ({ ...s, held: held[i]! }))
}

/** Signatures by peers, or undefined when one is malformed. */
function signaturesOf(list: { peer: string; signature: Uint8Array }[]): CoinSignature[] | undefined {
  const out: CoinSignature[] = []
  for (const s of list) {
    const signature = hexOf(s.signature, 64)
    if (!signature || !isPeerId(s.peer)) return undefined
    out.push({ peer: s.peer, signature })
  }
  return out
}

export function encodeFarmRequest(m: FarmRequest): Uint8Array {
  const type = TYPES[m.t]
  switch (m.t) {
    case 'prove':
      return WireRequest.encode({ type, chunk: bytes(m.chunk), nonce: bytes(m.nonce) })
    case 'receipt':
      return WireRequest.encode({ type, receipt: wireReceipt(m.receipt) })
    case 'receipts':
      return WireRequest.encode({ type, receipts: m.receipts.map(wireReceipt) })
    case 'claim':
      return WireRequest.encode({
        type,
        receipt: wireReceipt(m.receipt),
        owner: bytes(m.owner),
        backs: m.vouches.map(wireSignature),
      })
    case 'transfer':
      return WireRequest.encode({ type, id: bytes(m.id), to: bytes(m.to), seq: m.seq, auth: bytes(m.auth) })
    case 'coin':
      return WireRequest.encode({ type, id: bytes(m.id) })
    case 'deliver':
    case 'adopt':
      return WireRequest.encode({ type, proof: wireProof(m.proof) })
    case 'inbox':
      return WireRequest.encode({ type, owner: bytes(m.owner), skip: m.skip })
    case 'vouch':
      return WireRequest.encode({ type, period: m.period })
    case 'back':
      return WireRequest.encode({ type, period: m.period, account: bytes(m.account) })
    case 'grant':
      return WireRequest.encode({
        type,
        period: m.period,
        account: bytes(m.account),
        leaves: m.leaves,
        auth: bytes(m.auth),
        backs: m.backs.map(wireBack),
      })
    case 'buy':
      return WireRequest.encode({ type, account: bytes(m.account), proof: wireProof(m.proof) })
    case 'rows':
      return WireRequest.encode({ type, ids: m.ids.map(bytes) })
    case 'balance':
      return WireRequest.encode({
        type,
        period: m.period,
        account: bytes(m.account),
        backs: m.backs.map(wireBack),
      })
  }
}

export function encodeFarmResponse(m: FarmResponse): Uint8Array {
  switch (m.s) {
    case 'missing':
      return WireResponse.encode({ status: Status.MISSING })
    case 'unknown':
      return WireResponse.encode({ status: Status.UNKNOWN })
    case 'refused':
      return WireResponse.encode({ status: Status.REFUSED, reason: m.reason.slice(0, MAX_REASON_CHARS) })
    case 'ok':
      return WireResponse.encode({
        status: Status.OK,
        ...(m.digest !== undefined ? { digest: bytes(m.digest) } : {}),
        ...(m.signature !== undefined ? { signature: bytes(m.signature) } : {}),
        ...(m.owner !== undefined ? { owner: bytes(m.owner) } : {}),
        ...(m.seq !== undefined ? { seq: m.seq } : {}),
        proofs: (m.proofs ?? []).slice(0, MAX_INBOX_PROOFS).map(wireProof),
        ...(m.used !== undefined ? { used: m.used } : {}),
        ...(m.allowance !== undefined ? { allowance: m.allowance } : {}),
        ...(m.bought !== undefined ? { bought: m.bought } : {}),
        ...(m.held !== undefined ? { held: m.held } : {}),
      })
  }
}

/** Either kind of farm message; requests are told apart by their `t`. */
export function encodeFarm(message: FarmRequest | FarmResponse): Uint8Array {
  return 't' in message ? encodeFarmRequest(message) : encodeFarmResponse(message)
}

function decode<T>(body: Uint8Array, run: () => T): T {
  if (body.byteLength > MAX_FARM_MESSAGE_BYTES) throw new FarmMessageError('too long')
  try {
    return run()
  } catch (err) {
    throw new FarmMessageError(`not a valid protobuf message (${(err as Error).message})`)
  }
}

function receiptOf(r: WireReceipt | undefined): Receipt | undefined {
  if (r === undefined) return undefined
  const chunk = hexOf(r.chunk, 32)
  const nonce = hexOf(r.nonce, 16)
  const signature = hexOf(r.signature, 64)
  if (!chunk || !nonce || !signature || !isPeerId(r.vault) || !isPeerId(r.client)) return undefined
  if (!Number.isSafeInteger(r.at) || r.at <= 0 || r.slot >= MAX_SLOT) return undefined
  const vouches = signaturesOf(r.vouches)
  if (!vouches) return undefined
  const developer = r.developer === undefined ? undefined : hexOf(r.developer, 32)
  if (r.developer !== undefined && !developer) return undefined
  return {
    chunk,
    vault: r.vault,
    client: r.client,
    at: r.at,
    nonce,
    slot: r.slot,
    signature,
    vouches,
    ...(developer ? { developer } : {}),
  }
}

function proofOf(p: WireProof | undefined): CoinProof | undefined {
  if (p === undefined) return undefined
  const id = hexOf(p.id, 32)
  const owner = hexOf(p.owner, 32)
  if (!id || !owner || !isSeq(p.seq)) return undefined
  const signatures = signaturesOf(p.signatures)
  return signatures ? { id, owner, seq: p.seq, signatures } : undefined
}

export function decodeFarmRequest(body: Uint8Array): FarmRequest {
  const m = decode(body, () =>
    WireRequest.decode(body, {
      limits: {
        proof: { signatures: MAX_SIGNATURES },
        receipt: { vouches: MAX_VOUCHES },
        backs: MAX_VOUCHES,
        receipts: MAX_BATCHED_RECEIPTS,
        receipts$: { vouches: 0 },
        ids: MAX_HANDED_ROWS,
      },
    }),
  )
  switch (m.type) {
    case Type.PROVE: {
      const chunk = hexOf(m.chunk, 32)
      const nonce = hexOf(m.nonce, 32)
      if (chunk && nonce) return { t: 'prove', chunk, nonce }
      break
    }
    case Type.RECEIPT: {
      const receipt = receiptOf(m.receipt)
      if (receipt) return { t: 'receipt', receipt }
      break
    }
    case Type.RECEIPTS: {
      const receipts = m.receipts.map(receiptOf)
      if (receipts.length > 0 && receipts.every((r) => r !== undefined && r.vouches.length === 0))
        return { t: 'receipts', receipts: receipts as Receipt[] }
      break
    }
    case Type.CLAIM: {
      const receipt = receiptOf(m.receipt)
      const owner = hexOf(m.owner, 32)
      const vouches = signaturesOf(m.backs)
      if (receipt && owner && vouches) return { t: 'claim', receipt, owner, vouches }
      break
    }
    case Type.TRANSFER: {
      const id = hexOf(m.id, 32)
      const to = hexOf(m.to, 32)
      const auth = hexOf(m.auth, 64)
      if (id && to && auth && isSeq(m.seq)) return { t: 'transfer', id, to, seq: m.seq, auth }
      break
    }
    case Type.COIN: {
      const id = hexOf(m.id, 32)
      if (id) return { t: 'coin', id }
      break
    }
    case Type.DELIVER:
    case Type.ADOPT: {
      const proof = proofOf(m.proof)
      if (proof) return { t: m.type === Type.DELIVER ? 'deliver' : 'adopt', proof }
      break
    }
    case Type.INBOX: {
      const owner = hexOf(m.owner, 32)
      if (owner && m.skip < MAX_INBOX_SKIP) return { t: 'inbox', owner, skip: m.skip }
      break
    }
    case Type.VOUCH:
      if (m.period > 0) return { t: 'vouch', period: m.period }
      break
    case Type.ROWS: {
      const ids = m.ids.map((id) => hexOf(id, 32))
      if (ids.length > 0 && ids.every((id) => id !== undefined)) return { t: 'rows', ids: ids as string[] }
      break
    }
    case Type.BUY: {
      const account = hexOf(m.account, 32)
      const proof = proofOf(m.proof)
      if (account && proof) return { t: 'buy', account, proof }
      break
    }
    case Type.BACK:
    case Type.GRANT:
    case Type.BALANCE: {
      const account = hexOf(m.account, 32)
      const backs = backsOf(m.backs)
      if (!account || !backs || m.period === 0) break
      if (m.type === Type.BACK) {
        if (backs.length === 0) return { t: 'back', account, period: m.period }
        break
      }
      if (m.type === Type.BALANCE) return { t: 'balance', account, period: m.period, backs }
      const auth = hexOf(m.auth, 64)
      const leaves = m.leaves.length
      if (auth && leaves > 0 && leaves % LEAF_BYTES === 0 && leaves / LEAF_BYTES <= MAX_TICKET_LEAVES)
        return { t: 'grant', account, period: m.period, leaves: m.leaves, auth, backs }
      break
    }
  }
  throw new FarmMessageError(`bad ${String(m.type).toLowerCase()} request`)
}

export function decodeFarmResponse(body: Uint8Array): FarmResponse {
  const m = decode(body, () =>
    WireResponse.decode(body, {
      limits: { proofs: MAX_INBOX_PROOFS, proofs$: { signatures: MAX_SIGNATURES } },
    }),
  )
  switch (m.status) {
    case Status.MISSING:
      return { s: 'missing' }
    case Status.UNKNOWN:
      return { s: 'unknown' }
    case Status.REFUSED:
      if (m.reason.length > MAX_REASON_CHARS) throw new FarmMessageError('reason too long')
      return { s: 'refused', reason: m.reason }
    case Status.OK: {
      const out: FarmResponse & { s: 'ok' } = { s: 'ok' }
      if (m.digest !== undefined) out.digest = hexOrThrow(m.digest, 32, 'digest')
      if (m.signature !== undefined) out.signature = hexOrThrow(m.signature, 64, 'signature')
      if (m.owner !== undefined) out.owner = hexOrThrow(m.owner, 32, 'owner')
      if (m.seq !== undefined) {
        if (!isSeq(m.seq)) throw new FarmMessageError('bad seq')
        out.seq = m.seq
      }
      for (const field of ['used', 'allowance', 'bought', 'held'] as const) {
        const value = m[field]
        if (value === undefined) continue
        if (!isByteCount(value)) throw new FarmMessageError(`bad ${field}`)
        out[field] = value
      }
      if (m.proofs.length > 0) {
        const proofs = m.proofs.map(proofOf)
        if (proofs.some((p) => p === undefined)) throw new FarmMessageError('bad coin proof')
        out.proofs = proofs as CoinProof[]
      }
      return out
    }
  }
  throw new FarmMessageError('bad response')
}

function hexOrThrow(b: Uint8Array, size: number, what: string): string {
  const hex = hexOf(b, size)
  if (hex === undefined) throw new FarmMessageError(`bad ${what}`)
  return hex
}
