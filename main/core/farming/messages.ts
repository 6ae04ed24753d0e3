// /peerdrive/farm/1.0.0 messages: storage proofs, receipts, coin claims,
// transfers, ledger queries and deliveries. JSON, but every field is checked
// for type and size on the way in: anything else is a malformed message.
import { PeerDriveError } from '../errors.ts'
import type { CoinProof } from './coin.ts'
import type { Receipt } from './receipt.ts'

export const MAX_FARM_MESSAGE_BYTES = 16 * 1024

export type FarmRequest =
  | { t: 'prove'; chunk: string; nonce: string }
  | { t: 'receipt'; receipt: Receipt }
  | { t: 'claim'; receipt: Receipt; owner: string }
  | { t: 'transfer'; id: string; to: string; seq: number; auth: string }
  | { t: 'coin'; id: string }
  | { t: 'deliver'; proof: CoinProof }
  | { t: 'adopt'; proof: CoinProof }

export type FarmResponse =
  | { s: 'ok'; digest?: string; signature?: string; owner?: string; seq?: number }
  | { s: 'missing' }
  | { s: 'unknown' }
  | { s: 'refused'; reason: string }

export class FarmMessageError extends PeerDriveError {
  constructor(why: string) {
    super('FarmMessageInvalid', `malformed farming message: ${why}`)
  }
}

const hex = (v: unknown, bytes: number): v is string =>
  typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-f]*$/.test(v)
const peerId = (v: unknown): v is string => typeof v === 'string' && /^[1-9A-HJ-NP-Za-km-z]{40,64}$/.test(v)
const seq = (v: unknown): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) < 2 ** 31

function isReceipt(v: unknown): v is Receipt {
  const r = v as Record<string, unknown>
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.keys(r).length === 6 &&
    hex(r.chunk, 32) &&
    peerId(r.vault) &&
    peerId(r.client) &&
    Number.isSafeInteger(r.at) &&
    (r.at as number) > 0 &&
    hex(r.nonce, 16) &&
    hex(r.signature, 64)
  )
}

function isProof(v: unknown): v is CoinProof {
  const p = v as Record<string, unknown>
  return (
    typeof v === 'object' &&
    v !== null &&
    hex(p.id, 32) &&
    hex(p.owner, 32) &&
    seq(p.seq) &&
    Array.isArray(p.signatures) &&
    p.signatures.length <= 8 &&
    p.signatures.every(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        peerId((s as Record<string, unknown>).peer) &&
        hex((s as Record<string, unknown>).signature, 64),
    )
  )
}

function parse(body: Uint8Array): Record<string, unknown> {
  if (body.byteLength > MAX_FARM_MESSAGE_BYTES) throw new FarmMessageError('too long')
  let doc: unknown
  try {
    doc = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    throw new FarmMessageError('not JSON')
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new FarmMessageError('not an object')
  return doc as Record<string, unknown>
}

export function encodeFarm(message: FarmRequest | FarmResponse): Uint8Array {
  return Buffer.from(JSON.stringify(message))
}

export function decodeFarmRequest(body: Uint8Array): FarmRequest {
  const m = parse(body)
  switch (m.t) {
    case 'prove':
      if (hex(m.chunk, 32) && hex(m.nonce, 32)) return { t: 'prove', chunk: m.chunk, nonce: m.nonce }
      break
    case 'receipt':
      if (isReceipt(m.receipt)) return { t: 'receipt', receipt: m.receipt }
      break
    case 'claim':
      if (isReceipt(m.receipt) && hex(m.owner, 32)) return { t: 'claim', receipt: m.receipt, owner: m.owner }
      break
    case 'transfer':
      if (hex(m.id, 32) && hex(m.to, 32) && seq(m.seq) && hex(m.auth, 64))
        return { t: 'transfer', id: m.id, to: m.to, seq: m.seq, auth: m.auth }
      break
    case 'coin':
      if (hex(m.id, 32)) return { t: 'coin', id: m.id }
      break
    case 'deliver':
    case 'adopt':
      if (isProof(m.proof)) return { t: m.t, proof: m.proof }
      break
  }
  throw new FarmMessageError(`bad "${String(m.t).slice(0, 16)}" request`)
}

export function decodeFarmResponse(body: Uint8Array): FarmResponse {
  const m = parse(body)
  if (m.s === 'missing' || m.s === 'unknown') return { s: m.s }
  if (m.s === 'refused' && typeof m.reason === 'string' && m.reason.length <= 200)
    return { s: 'refused', reason: m.reason }
  if (m.s === 'ok') {
    const out: FarmResponse = { s: 'ok' }
    if (m.digest !== undefined && !hex(m.digest, 32)) throw new FarmMessageError('bad digest')
    if (m.signature !== undefined && !hex(m.signature, 64)) throw new FarmMessageError('bad signature')
    if (m.owner !== undefined && !hex(m.owner, 32)) throw new FarmMessageError('bad owner')
    if (m.seq !== undefined && !seq(m.seq)) throw new FarmMessageError('bad seq')
    return { ...out, digest: m.digest, signature: m.signature, owner: m.owner, seq: m.seq } as FarmResponse
  }
  throw new FarmMessageError('bad response')
}
