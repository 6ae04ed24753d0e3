// The canonical binary form of a signed record. One encoding, every field
// fixed-size or length-prefixed with a checked limit, no trailing bytes: a
// record has exactly one encoding, so "same bytes" means "same record".
//
//   format (1) ‖ owner (32) ‖ name length (1) ‖ name (1–64) ‖ version (u64 BE)
//   ‖ payload length (u32 BE) ‖ payload (0–64 KiB) ‖ signature (64)
import { RECORD_FORMAT_VERSION, RECORD_SIGNATURE_DOMAIN } from './domains.ts'
import { RecordInvalidError } from './errors.ts'

export const OWNER_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const MAX_NAME_BYTES = 64
export const MAX_PAYLOAD_BYTES = 64 * 1024
export const MAX_VERSION = 2n ** 64n - 1n
/** Largest encoded record: the wire limit of every message that carries one. */
export const MAX_RECORD_BYTES =
  1 + OWNER_KEY_BYTES + 1 + MAX_NAME_BYTES + 8 + 4 + MAX_PAYLOAD_BYTES + SIGNATURE_BYTES
const MIN_RECORD_BYTES = 1 + OWNER_KEY_BYTES + 1 + 1 + 8 + 4 + SIGNATURE_BYTES

export interface SignedRecord {
  /** The owner's Ed25519 public key. */
  readonly owner: Uint8Array
  /** Chosen by the owner; with the owner it fixes the record's address. */
  readonly name: Uint8Array
  /** Monotonic: a holder only ever replaces a record with a higher version. */
  readonly version: bigint
  /** Opaque bytes; whatever must stay secret is encrypted by the caller. */
  readonly payload: Uint8Array
  /** Ed25519 over signedBytes(record). */
  readonly signature: Uint8Array
}

export type UnsignedRecord = Omit<SignedRecord, 'signature'>

/** Throws RecordInvalid unless every field has a legal type and size. */
export function checkFields(record: UnsignedRecord): void {
  const { owner, name, version, payload } = record
  if (!(owner instanceof Uint8Array) || owner.byteLength !== OWNER_KEY_BYTES)
    throw new RecordInvalidError(`owner key must be ${OWNER_KEY_BYTES} bytes`)
  if (!(name instanceof Uint8Array) || name.byteLength < 1 || name.byteLength > MAX_NAME_BYTES)
    throw new RecordInvalidError(`name must be 1 to ${MAX_NAME_BYTES} bytes`)
  if (typeof version !== 'bigint' || version < 0n || version > MAX_VERSION)
    throw new RecordInvalidError('version must be an unsigned 64-bit integer')
  if (!(payload instanceof Uint8Array) || payload.byteLength > MAX_PAYLOAD_BYTES)
    throw new RecordInvalidError(`payload must be at most ${MAX_PAYLOAD_BYTES} bytes`)
}

/** What the owner signs: the signature domain, then the record encoded without its signature. */
export function signedBytes(record: UnsignedRecord): Uint8Array {
  return Buffer.concat([RECORD_SIGNATURE_DOMAIN, encodeUnsigned(record)])
}

export function encodeRecord(record: SignedRecord): Uint8Array {
  const { signature } = record
  if (!(signature instanceof Uint8Array) || signature.byteLength !== SIGNATURE_BYTES)
    throw new RecordInvalidError(`signature must be ${SIGNATURE_BYTES} bytes`)
  return Buffer.concat([encodeUnsigned(record), signature])
}

/** Parses an encoded record; any deviation from the canonical form is RecordInvalid. */
export function decodeRecord(bytes: Uint8Array): SignedRecord {
  if (!(bytes instanceof Uint8Array)) throw new RecordInvalidError('not bytes')
  if (bytes.byteLength < MIN_RECORD_BYTES) throw new RecordInvalidError('too short')
  if (bytes.byteLength > MAX_RECORD_BYTES) throw new RecordInvalidError('too long')
  if (bytes[0] !== RECORD_FORMAT_VERSION) throw new RecordInvalidError(`unknown format ${bytes[0]}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 1
  const owner = copy(bytes, at, (at += OWNER_KEY_BYTES))
  const nameLength = bytes[at++]!
  if (nameLength < 1 || nameLength > MAX_NAME_BYTES) throw new RecordInvalidError(`name length ${nameLength}`)
  const payloadLengthAt = at + nameLength + 8
  if (payloadLengthAt + 4 > bytes.byteLength) throw new RecordInvalidError('truncated')
  const name = copy(bytes, at, (at += nameLength))
  const version = view.getBigUint64(at)
  at += 8
  const payloadLength = view.getUint32(at)
  at += 4
  if (payloadLength > MAX_PAYLOAD_BYTES) throw new RecordInvalidError(`payload length ${payloadLength}`)
  if (at + payloadLength + SIGNATURE_BYTES !== bytes.byteLength)
    throw new RecordInvalidError('length does not match its fields')
  const payload = copy(bytes, at, (at += payloadLength))
  const signature = copy(bytes, at, bytes.byteLength)
  return { owner, name, version, payload, signature }
}

function encodeUnsigned(record: UnsignedRecord): Uint8Array {
  checkFields(record)
  const header = new Uint8Array(1 + OWNER_KEY_BYTES + 1)
  header[0] = RECORD_FORMAT_VERSION
  header.set(record.owner, 1)
  header[1 + OWNER_KEY_BYTES] = record.name.byteLength
  const numbers = new DataView(new ArrayBuffer(12))
  numbers.setBigUint64(0, record.version)
  numbers.setUint32(8, record.payload.byteLength)
  return Buffer.concat([header, record.name, new Uint8Array(numbers.buffer), record.payload])
}

/** A plain Uint8Array copy: a decoded record never aliases the buffer it came in. */
function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end))
}
