// The chunk protocol's messages (pb/chunk.proto, compiled by protons) and the
// request/response types the rest of the code uses; encode and decode
// translate between them. The frame is limited before anything is decoded,
// and every field is checked after: a hostile peer can make decoding fail
// with MalformedMessage but never make it allocate or crash.
import { ADDRESS_BYTES } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import { ChunkRequest, ChunkResponse, StorageTicket as WireTicket } from './pb/chunk.js'
import type { StorageTicket } from './pb/chunk.js'
import { MAX_PATH, MAX_TICKET_LEAVES } from '../storage/ticket.ts'
import type { Ticket } from '../storage/ticket.ts'

/** A chunk is at most 1 MiB of plaintext plus the cipher's flag byte and tag. */
export const MAX_CHUNK_BYTES = 2 ** 20 + 64
export const MAX_LIST_PAGE = 4096
/** How many copies a REPLICATE may ask for, and how many holders its answer may name. */
export const MAX_REPLICATE_COPIES = 16
/** How many vaults a REPLICATE may ask to be left out: the sender's distrusted ones nearest the chunk. */
export const MAX_REPLICATE_AVOID = 8
const MAX_PEER_ID_BYTES = 64
/** Signatures a ticket may carry: the balance group's, with room to spare. */
const MAX_TICKET_SIGNATURES = 8
/** A ticket's largest encoding: its fields, signatures and path, with their tags. */
export const MAX_TICKET_BYTES = 64 + MAX_TICKET_SIGNATURES * (MAX_PEER_ID_BYTES + 64 + 8) + MAX_PATH * 34
/** Protobuf's tags and length prefixes around the largest field, with room to spare. */
const ENVELOPE_BYTES = 64
/** Largest body any message may have; the framing layer refuses longer frames. */
export const MAX_MESSAGE_BYTES =
  ADDRESS_BYTES +
  MAX_CHUNK_BYTES +
  Math.max(MAX_REPLICATE_COPIES, MAX_REPLICATE_AVOID) * (MAX_PEER_ID_BYTES + 2) +
  MAX_TICKET_BYTES +
  ENVELOPE_BYTES

export class MalformedMessageError extends PeerDriveError {
  constructor(reason: string) {
    super('MalformedMessage', `malformed message: ${reason}`)
  }
}

export type Request =
  /** `ticket`: the proof that the chunk was paid for, needed where storage is paid (storage/ticket.ts). */
  | { type: 'put'; address: Uint8Array; bytes: Uint8Array; ticket?: Ticket }
  | { type: 'get'; address: Uint8Array }
  | { type: 'has'; address: Uint8Array }
  /** A page of held addresses in ascending order, after `after` (exclusive). */
  | { type: 'list'; after: Uint8Array | null; limit: number }
  /**
   * Store the chunk and place `copies` copies in all on the close group, none
   * on the sender's own node; the vault chooses the group from its own view,
   * leaving out the vaults the sender distrusts (`avoid`, peer id multihashes):
   * a client's distrust of a vault that lost its chunks holds even when the
   * member it sends to has not judged that vault yet.
   */
  | {
      type: 'replicate'
      address: Uint8Array
      bytes: Uint8Array
      copies: number
      avoid?: Uint8Array[]
      ticket?: Ticket
    }

export type Status = 'ok' | 'not-found' | 'full' | 'bad-hash' | 'bad-request' | 'failed'

export type Response =
  | {
      status: 'ok'
      bytes?: Uint8Array
      /** REPLICATE: vaults other than the sender holding the chunk now, and their peer ids (multihash bytes). */
      copies?: number
      holders?: Uint8Array[]
    }
  | { status: Exclude<Status, 'ok'>; reason: string }

const TYPES: Record<Request['type'], ChunkRequest.Type> = {
  put: ChunkRequest.Type.PUT,
  get: ChunkRequest.Type.GET,
  has: ChunkRequest.Type.HAS,
  list: ChunkRequest.Type.LIST,
  replicate: ChunkRequest.Type.REPLICATE,
}
const STATUSES: Record<Status, ChunkResponse.Status> = {
  ok: ChunkResponse.Status.OK,
  'not-found': ChunkResponse.Status.NOT_FOUND,
  full: ChunkResponse.Status.FULL,
  'bad-hash': ChunkResponse.Status.BAD_HASH,
  'bad-request': ChunkResponse.Status.BAD_REQUEST,
  failed: ChunkResponse.Status.FAILED,
}
const STATUS_OF = new Map(Object.entries(STATUSES).map(([k, v]) => [v, k as Status]))
export const MAX_REASON_BYTES = 256

export function encodeRequest(req: Request): Uint8Array {
  switch (req.type) {
    case 'put':
      return ChunkRequest.encode({
        type: TYPES.put,
        address: req.address,
        bytes: req.bytes,
        ...(req.ticket ? { ticket: wireTicket(req.ticket) } : {}),
      })
    case 'replicate':
      return ChunkRequest.encode({
        type: TYPES.replicate,
        address: req.address,
        bytes: req.bytes,
        copies: req.copies,
        avoid: req.avoid ?? [],
        ...(req.ticket ? { ticket: wireTicket(req.ticket) } : {}),
      })
    case 'get':
    case 'has':
      return ChunkRequest.encode({ type: TYPES[req.type], address: req.address })
    case 'list':
      return ChunkRequest.encode({
        type: TYPES.list,
        limit: req.limit,
        ...(req.after ? { after: req.after } : {}),
      })
  }
}

export function decodeRequest(body: Uint8Array): Request {
  const m = decodeWith(() =>
    ChunkRequest.decode(body, {
      limits: {
        avoid: MAX_REPLICATE_AVOID,
        ticket: { signatures: MAX_TICKET_SIGNATURES, path: MAX_PATH },
      },
    }),
  )
  switch (m.type) {
    case ChunkRequest.Type.LIST:
      if (m.address.length !== 0 || m.bytes !== undefined) throw new MalformedMessageError('bad list request')
      if (m.after !== undefined && m.after.length !== ADDRESS_BYTES)
        throw new MalformedMessageError('bad list request')
      if (m.limit === 0 || m.limit > MAX_LIST_PAGE) throw new MalformedMessageError(`list limit ${m.limit}`)
      return { type: 'list', limit: m.limit, after: m.after ?? null }
    case ChunkRequest.Type.PUT:
    case ChunkRequest.Type.REPLICATE: {
      const address = checkAddress(m.address)
      if (m.bytes === undefined) throw new MalformedMessageError('no chunk')
      if (m.bytes.length > MAX_CHUNK_BYTES) throw new MalformedMessageError('chunk too large')
      const ticket = m.ticket === undefined ? {} : { ticket: ticketOf(m.ticket) }
      if (m.type === ChunkRequest.Type.PUT) {
        if (m.avoid.length > 0) throw new MalformedMessageError('trailing fields')
        return { type: 'put', address, bytes: m.bytes, ...ticket }
      }
      if (m.copies === 0 || m.copies > MAX_REPLICATE_COPIES)
        throw new MalformedMessageError(`replicate copies ${m.copies}`)
      if (m.avoid.some((id) => id.length === 0 || id.length > MAX_PEER_ID_BYTES))
        throw new MalformedMessageError('bad avoided vault id')
      return {
        type: 'replicate',
        address,
        bytes: m.bytes,
        copies: m.copies,
        ...(m.avoid.length > 0 ? { avoid: m.avoid } : {}),
        ...ticket,
      }
    }
    case ChunkRequest.Type.GET:
    case ChunkRequest.Type.HAS:
      if (m.bytes !== undefined || m.after !== undefined || m.ticket !== undefined)
        throw new MalformedMessageError('trailing fields')
      return { type: m.type === ChunkRequest.Type.GET ? 'get' : 'has', address: checkAddress(m.address) }
    default:
      throw new MalformedMessageError(`unknown request type ${String(m.type)}`)
  }
}

export function encodeResponse(res: Response): Uint8Array {
  if (res.status !== 'ok')
    return ChunkResponse.encode({ status: STATUSES[res.status], reason: truncateReason(res.reason) })
  return ChunkResponse.encode({
    status: STATUSES.ok,
    ...(res.bytes ? { bytes: res.bytes } : {}),
    ...(res.copies !== undefined ? { copies: res.copies } : {}),
    ...(res.holders ? { holders: res.holders } : {}),
  })
}

export function decodeResponse(body: Uint8Array): Response {
  const m = decodeWith(() => ChunkResponse.decode(body, { limits: { holders: MAX_REPLICATE_COPIES } }))
  const status = STATUS_OF.get(m.status)
  if (!status) throw new MalformedMessageError(`unknown status ${String(m.status)}`)
  if (status !== 'ok') {
    if (Buffer.byteLength(m.reason) > MAX_REASON_BYTES) throw new MalformedMessageError('reason too long')
    return { status, reason: m.reason }
  }
  if (m.bytes && m.bytes.length > MAX_CHUNK_BYTES) throw new MalformedMessageError('chunk too large')
  if (m.copies !== undefined && m.copies > MAX_REPLICATE_COPIES)
    throw new MalformedMessageError(`copies ${m.copies}`)
  if (m.holders.some((h) => h.length === 0 || h.length > MAX_PEER_ID_BYTES))
    throw new MalformedMessageError('bad holder id')
  return {
    status,
    ...(m.bytes ? { bytes: m.bytes } : {}),
    ...(m.copies !== undefined ? { copies: m.copies, holders: m.holders } : {}),
  }
}

/** Encodes an address page for a list response. */
export function encodeAddressList(addresses: Uint8Array[]): Uint8Array {
  return Buffer.concat(addresses)
}

export function decodeAddressList(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length % ADDRESS_BYTES !== 0 || bytes.length / ADDRESS_BYTES > MAX_LIST_PAGE) {
    throw new MalformedMessageError('bad address list')
  }
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += ADDRESS_BYTES) out.push(bytes.slice(i, i + ADDRESS_BYTES))
  return out
}

/** Runs a protons decoder, whose own errors (truncated, bad wire type, unknown enum) become MalformedMessage. */
export function decodeWith<T>(decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    throw new MalformedMessageError(`not a valid protobuf message (${(err as Error).message})`)
  }
}

/** Cuts a refusal's reason to its limit on a character boundary. */
export function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8')
  if (bytes.length <= MAX_REASON_BYTES) return reason
  return new TextDecoder().decode(bytes.subarray(0, MAX_REASON_BYTES)).replace(/\uFFFD+$/, '')
}

function wireTicket(t: Ticket): StorageTicket {
  return {
    account: Buffer.from(t.account, 'hex'),
    size: BigInt(t.size),
    count: t.count,
    period: t.period,
    signatures: t.signatures.map((s) => ({ peer: s.peer, signature: Buffer.from(s.signature, 'hex') })),
    index: t.index,
    path: t.path,
  }
}

/** A ticket's fields, checked for shape; whether it pays is the vault's question (ticketPays). */
function ticketOf(t: StorageTicket): Ticket {
  if (t.account.length !== 32) throw new MalformedMessageError('bad ticket account')
  // a batch is at most MAX_TICKET_LEAVES whole chunks: below 2^31, where protons' uint64 is exact
  if (t.count > MAX_TICKET_LEAVES || t.size > BigInt(t.count * MAX_CHUNK_BYTES))
    throw new MalformedMessageError('bad ticket size')
  if (t.count === 0 || t.index >= t.count) throw new MalformedMessageError('bad ticket index')
  if (t.path.some((p) => p.length !== 32)) throw new MalformedMessageError('bad ticket path')
  if (t.signatures.some((s) => s.signature.length !== 64 || s.peer.length === 0 || s.peer.length > 64))
    throw new MalformedMessageError('bad ticket signature')
  return {
    account: Buffer.from(t.account).toString('hex'),
    size: Number(t.size),
    count: t.count,
    period: t.period,
    signatures: t.signatures.map((s) => ({
      peer: s.peer,
      signature: Buffer.from(s.signature).toString('hex'),
    })),
    index: t.index,
    path: t.path,
  }
}

/** A ticket on its own, as messages other than the chunk protocol's carry it (a record PUT). */
export function encodeTicket(t: Ticket): Uint8Array {
  return WireTicket.encode(wireTicket(t))
}

export function decodeTicket(bytes: Uint8Array): Ticket {
  if (bytes.length > MAX_TICKET_BYTES) throw new MalformedMessageError('ticket too large')
  return ticketOf(
    decodeWith(() =>
      WireTicket.decode(bytes, { limits: { signatures: MAX_TICKET_SIGNATURES, path: MAX_PATH } }),
    ),
  )
}

function checkAddress(address: Uint8Array): Uint8Array {
  if (address.length !== ADDRESS_BYTES) throw new MalformedMessageError(`address of ${address.length} bytes`)
  return address
}
