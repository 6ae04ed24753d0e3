// The chunk protocol's message bodies (framing is length-prefixed by the
// stream layer). Every field has a fixed size or a checked limit, so a hostile
// peer can make decoding fail but never make it allocate or crash.
import { ADDRESS_BYTES } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'

/** A chunk is at most 1 MiB of plaintext plus the cipher's flag byte and tag. */
export const MAX_CHUNK_BYTES = 2 ** 20 + 64
export const MAX_LIST_PAGE = 4096
/** Largest body any message may have; the framing layer refuses longer frames. */
export const MAX_MESSAGE_BYTES = 1 + ADDRESS_BYTES + MAX_CHUNK_BYTES

export class MalformedMessageError extends PeerDriveError {
  constructor(reason: string) {
    super('MalformedMessage', `malformed message: ${reason}`)
  }
}

export type Request =
  | { type: 'put'; address: Uint8Array; bytes: Uint8Array }
  | { type: 'get'; address: Uint8Array }
  | { type: 'has'; address: Uint8Array }
  /** A page of held addresses in ascending order, after `after` (exclusive). */
  | { type: 'list'; after: Uint8Array | null; limit: number }

export type Status = 'ok' | 'not-found' | 'full' | 'bad-hash' | 'bad-request' | 'failed'

export type Response =
  { status: 'ok'; bytes?: Uint8Array } | { status: Exclude<Status, 'ok'>; reason: string }

const REQUEST_CODES = { put: 1, get: 2, has: 3, list: 4 } as const
const STATUS_CODES: Record<Status, number> = {
  ok: 0,
  'not-found': 1,
  full: 2,
  'bad-hash': 3,
  'bad-request': 4,
  failed: 5,
}
const STATUS_BY_CODE = new Map(Object.entries(STATUS_CODES).map(([k, v]) => [v, k as Status]))
const MAX_REASON_BYTES = 256

export function encodeRequest(req: Request): Uint8Array {
  switch (req.type) {
    case 'put':
      return concat(REQUEST_CODES.put, req.address, req.bytes)
    case 'get':
      return concat(REQUEST_CODES.get, req.address)
    case 'has':
      return concat(REQUEST_CODES.has, req.address)
    case 'list': {
      const limit = new Uint8Array(2)
      new DataView(limit.buffer).setUint16(0, req.limit)
      return concat(REQUEST_CODES.list, limit, req.after ?? new Uint8Array(0))
    }
  }
}

export function decodeRequest(body: Uint8Array): Request {
  if (body.length < 1) throw new MalformedMessageError('empty request')
  const code = body[0]
  if (code === REQUEST_CODES.list) {
    if (body.length !== 3 && body.length !== 3 + ADDRESS_BYTES)
      throw new MalformedMessageError('bad list request')
    const limit = new DataView(body.buffer, body.byteOffset + 1, 2).getUint16(0)
    if (limit === 0 || limit > MAX_LIST_PAGE) throw new MalformedMessageError(`list limit ${limit}`)
    return { type: 'list', limit, after: body.length === 3 ? null : body.slice(3) }
  }
  if (body.length < 1 + ADDRESS_BYTES) throw new MalformedMessageError('short request')
  const address = body.slice(1, 1 + ADDRESS_BYTES)
  const rest = body.subarray(1 + ADDRESS_BYTES)
  switch (code) {
    case REQUEST_CODES.put:
      if (rest.length > MAX_CHUNK_BYTES) throw new MalformedMessageError('chunk too large')
      return { type: 'put', address, bytes: rest }
    case REQUEST_CODES.get:
    case REQUEST_CODES.has:
      if (rest.length !== 0) throw new MalformedMessageError('trailing bytes')
      return { type: code === REQUEST_CODES.get ? 'get' : 'has', address }
    default:
      throw new MalformedMessageError(`unknown request type ${code}`)
  }
}

export function encodeResponse(res: Response): Uint8Array {
  if (res.status === 'ok') return concat(STATUS_CODES.ok, res.bytes ?? new Uint8Array(0))
  const reason = Buffer.from(res.reason, 'utf8').subarray(0, MAX_REASON_BYTES)
  return concat(STATUS_CODES[res.status], reason)
}

export function decodeResponse(body: Uint8Array): Response {
  if (body.length < 1) throw new MalformedMessageError('empty response')
  const status = STATUS_BY_CODE.get(body[0]!)
  if (!status) throw new MalformedMessageError(`unknown status ${body[0]}`)
  const rest = body.subarray(1)
  if (status === 'ok') return { status, bytes: rest }
  if (rest.length > MAX_REASON_BYTES) throw new MalformedMessageError('reason too long')
  return { status, reason: Buffer.from(rest).toString('utf8') }
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

function concat(code: number, ...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat([Uint8Array.of(code), ...parts])
}
