// The record protocol's messages (pb/record.proto, compiled by protons) and
// the request/response types the rest of the code uses. A record travels in
// its canonical encoding (records/format.ts), whose every field is
// size-checked, so a hostile peer can make decoding fail but never make it
// allocate or crash.
import { ADDRESS_BYTES } from '../chunk-store.ts'
import { MAX_RECORD_BYTES, decodeRecord, encodeRecord } from '../records/format.ts'
import type { SignedRecord } from '../records/format.ts'
import type { Ticket } from '../storage/ticket.ts'
import {
  MAX_REASON_BYTES,
  MAX_TICKET_BYTES,
  MalformedMessageError,
  decodeTicket,
  decodeWith,
  encodeTicket,
  truncateReason,
} from './messages.ts'
import { RecordRequest as WireRequest, RecordResponse as WireResponse } from './pb/record.js'

/** Protobuf's tags and length prefixes around the record, with room to spare. */
const ENVELOPE_BYTES = 48
/** Largest body any record message may have; the framing layer refuses longer frames. */
export const MAX_RECORD_MESSAGE_BYTES = ADDRESS_BYTES + MAX_RECORD_BYTES + MAX_TICKET_BYTES + ENVELOPE_BYTES

export type RecordRequest =
  /**
   * Store this record at this address (the holder checks the two agree).
   * `ticket`: where storage is paid, the proof that a record's slot was paid
   * for, which a vault that does not hold the record asks for.
   */
  | { type: 'record-put'; address: Uint8Array; record: SignedRecord; ticket?: Ticket }
  | { type: 'record-get'; address: Uint8Array }

/**
 * 'stale': the version is not higher than the one held; 'bad-signature': not
 * signed by its owner; 'bad-request': the record is not at the address named.
 */
export type RecordStatus = 'ok' | 'stale' | 'bad-signature' | 'not-found' | 'full' | 'bad-request' | 'failed'

export type RecordResponse =
  { status: 'ok'; record?: SignedRecord } | { status: Exclude<RecordStatus, 'ok'>; reason: string }

const STATUSES: Record<RecordStatus, WireResponse.Status> = {
  ok: WireResponse.Status.OK,
  'not-found': WireResponse.Status.NOT_FOUND,
  full: WireResponse.Status.FULL,
  stale: WireResponse.Status.STALE,
  'bad-signature': WireResponse.Status.BAD_SIGNATURE,
  'bad-request': WireResponse.Status.BAD_REQUEST,
  failed: WireResponse.Status.FAILED,
}
const STATUS_OF = new Map(Object.entries(STATUSES).map(([k, v]) => [v, k as RecordStatus]))

export function encodeRecordRequest(req: RecordRequest): Uint8Array {
  if (req.type === 'record-get')
    return WireRequest.encode({ type: WireRequest.Type.GET, address: req.address })
  return WireRequest.encode({
    type: WireRequest.Type.PUT,
    address: req.address,
    record: encodeRecord(req.record),
    ...(req.ticket ? { ticket: encodeTicket(req.ticket) } : {}),
  })
}

export function decodeRecordRequest(body: Uint8Array): RecordRequest {
  const m = decodeWith(() => WireRequest.decode(body))
  if (m.type !== WireRequest.Type.GET && m.type !== WireRequest.Type.PUT)
    throw new MalformedMessageError(`unknown record request type ${String(m.type)}`)
  if (m.address.length !== ADDRESS_BYTES)
    throw new MalformedMessageError(`address of ${m.address.length} bytes`)
  if (m.type === WireRequest.Type.GET) {
    if (m.record !== undefined || m.ticket !== undefined) throw new MalformedMessageError('trailing fields')
    return { type: 'record-get', address: m.address }
  }
  if (m.record === undefined) throw new MalformedMessageError('no record')
  const record = parseRecord(m.record)
  if (m.ticket === undefined) return { type: 'record-put', address: m.address, record }
  return { type: 'record-put', address: m.address, record, ticket: decodeTicket(m.ticket) }
}

export function encodeRecordResponse(res: RecordResponse): Uint8Array {
  if (res.status !== 'ok')
    return WireResponse.encode({ status: STATUSES[res.status], reason: truncateReason(res.reason) })
  return WireResponse.encode({
    status: STATUSES.ok,
    ...(res.record ? { record: encodeRecord(res.record) } : {}),
  })
}

export function decodeRecordResponse(body: Uint8Array): RecordResponse {
  const m = decodeWith(() => WireResponse.decode(body))
  const status = STATUS_OF.get(m.status)
  if (!status) throw new MalformedMessageError(`unknown status ${String(m.status)}`)
  if (status === 'ok') return m.record === undefined ? { status } : { status, record: parseRecord(m.record) }
  if (m.record !== undefined) throw new MalformedMessageError('a refusal with a record')
  if (Buffer.byteLength(m.reason) > MAX_REASON_BYTES) throw new MalformedMessageError('reason too long')
  return { status, reason: m.reason }
}

function parseRecord(bytes: Uint8Array): SignedRecord {
  if (bytes.length > MAX_RECORD_BYTES) throw new MalformedMessageError('record too large')
  try {
    return decodeRecord(bytes)
  } catch (err) {
    throw new MalformedMessageError((err as Error).message)
  }
}
