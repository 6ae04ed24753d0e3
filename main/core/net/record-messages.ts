// The record protocol's message bodies. A record travels in its canonical
// encoding (records/format.ts), whose every field is size-checked, so a
// hostile peer can make decoding fail but never make it allocate or crash.
import { ADDRESS_BYTES } from '../chunk-store.ts'
import { MAX_RECORD_BYTES, decodeRecord, encodeRecord } from '../records/format.ts'
import type { SignedRecord } from '../records/format.ts'
import { MalformedMessageError } from './messages.ts'

/** Largest body any record message may have; the framing layer refuses longer frames. */
export const MAX_RECORD_MESSAGE_BYTES = 1 + ADDRESS_BYTES + MAX_RECORD_BYTES

export type RecordRequest =
  /** Store this record at this address (the holder checks the two agree). */
  | { type: 'record-put'; address: Uint8Array; record: SignedRecord }
  | { type: 'record-get'; address: Uint8Array }

/**
 * 'stale': the version is not higher than the one held; 'bad-signature': not
 * signed by its owner; 'bad-request': the record is not at the address named.
 */
export type RecordStatus = 'ok' | 'stale' | 'bad-signature' | 'not-found' | 'full' | 'bad-request' | 'failed'

export type RecordResponse =
  { status: 'ok'; record?: SignedRecord } | { status: Exclude<RecordStatus, 'ok'>; reason: string }

const REQUEST_CODES = { 'record-put': 1, 'record-get': 2 } as const
const STATUS_CODES: Record<RecordStatus, number> = {
  ok: 0,
  'not-found': 1,
  full: 2,
  stale: 3,
  'bad-signature': 4,
  'bad-request': 5,
  failed: 6,
}
const STATUS_BY_CODE = new Map(Object.entries(STATUS_CODES).map(([k, v]) => [v, k as RecordStatus]))
const MAX_REASON_BYTES = 256

export function encodeRecordRequest(req: RecordRequest): Uint8Array {
  const code = Uint8Array.of(REQUEST_CODES[req.type])
  if (req.type === 'record-get') return Buffer.concat([code, req.address])
  return Buffer.concat([code, req.address, encodeRecord(req.record)])
}

export function decodeRecordRequest(body: Uint8Array): RecordRequest {
  if (body.length < 1 + ADDRESS_BYTES) throw new MalformedMessageError('short record request')
  const address = body.slice(1, 1 + ADDRESS_BYTES)
  const rest = body.subarray(1 + ADDRESS_BYTES)
  switch (body[0]) {
    case REQUEST_CODES['record-get']:
      if (rest.length !== 0) throw new MalformedMessageError('trailing bytes')
      return { type: 'record-get', address }
    case REQUEST_CODES['record-put']:
      return { type: 'record-put', address, record: parseRecord(rest) }
    default:
      throw new MalformedMessageError(`unknown record request type ${body[0]}`)
  }
}

export function encodeRecordResponse(res: RecordResponse): Uint8Array {
  if (res.status === 'ok') {
    const code = Uint8Array.of(STATUS_CODES.ok)
    return res.record ? Buffer.concat([code, encodeRecord(res.record)]) : code
  }
  const reason = Buffer.from(res.reason, 'utf8').subarray(0, MAX_REASON_BYTES)
  return Buffer.concat([Uint8Array.of(STATUS_CODES[res.status]), reason])
}

export function decodeRecordResponse(body: Uint8Array): RecordResponse {
  if (body.length < 1) throw new MalformedMessageError('empty response')
  const status = STATUS_BY_CODE.get(body[0]!)
  if (!status) throw new MalformedMessageError(`unknown status ${body[0]}`)
  const rest = body.subarray(1)
  if (status === 'ok') return rest.length === 0 ? { status } : { status, record: parseRecord(rest) }
  if (rest.length > MAX_REASON_BYTES) throw new MalformedMessageError('reason too long')
  return { status, reason: Buffer.from(rest).toString('utf8') }
}

function parseRecord(bytes: Uint8Array): SignedRecord {
  try {
    return decodeRecord(bytes)
  } catch (err) {
    throw new MalformedMessageError((err as Error).message)
  }
}
