// Signing, verifying and addressing records: pure functions over the format.
import { createHash, verify } from 'node:crypto'
import { sameBytes } from '../chunk-store.ts'
import { RECORD_ADDRESS_DOMAIN } from './domains.ts'
import { RecordInvalidError } from './errors.ts'
import { OWNER_KEY_BYTES, SIGNATURE_BYTES, checkFields, encodeRecord, signedBytes } from './format.ts'
import type { SignedRecord } from './format.ts'
import { ownerPublicKey } from './owner-key.ts'
import type { OwnerKey } from './owner-key.ts'

export interface RecordFields {
  /** Bytes, or text taken as UTF-8. */
  name: Uint8Array | string
  version: bigint | number
  payload?: Uint8Array
}

export function recordName(name: Uint8Array | string): Uint8Array {
  return typeof name === 'string' ? Buffer.from(name, 'utf8') : name
}

/** Signs a record as `key`'s owner; throws RecordInvalid for an oversize or malformed field. */
export function signRecord(key: OwnerKey, fields: RecordFields): SignedRecord {
  if (typeof fields.version === 'number' && !Number.isSafeInteger(fields.version))
    throw new RecordInvalidError('version must be an unsigned 64-bit integer')
  const unsigned = {
    owner: key.publicKey,
    name: Uint8Array.from(recordName(fields.name)),
    version: BigInt(fields.version),
    payload: Uint8Array.from(fields.payload ?? new Uint8Array(0)),
  }
  checkFields(unsigned)
  return { ...unsigned, signature: key.sign(signedBytes(unsigned)) }
}

/** True only for a well-formed record whose signature verifies under its own owner key. */
export function verifyRecord(record: SignedRecord): boolean {
  try {
    checkFields(record)
    if (!(record.signature instanceof Uint8Array) || record.signature.byteLength !== SIGNATURE_BYTES)
      return false
    return verify(null, signedBytes(record), ownerPublicKey(record.owner), record.signature)
  } catch {
    // a malformed field or an owner key that is not a curve point
    return false
  }
}

/** SHA-256(domain ‖ owner ‖ name): in the same 32-byte space as chunk addresses. */
export function recordAddress(owner: Uint8Array, name: Uint8Array | string): Uint8Array {
  if (owner.byteLength !== OWNER_KEY_BYTES)
    throw new RecordInvalidError(`owner key must be ${OWNER_KEY_BYTES} bytes`)
  return createHash('sha256').update(RECORD_ADDRESS_DOMAIN).update(owner).update(recordName(name)).digest()
}

export function addressOf(record: SignedRecord): Uint8Array {
  return recordAddress(record.owner, record.name)
}

/** Same encoding, so the same record (the encoding is canonical). */
export function sameRecord(a: SignedRecord, b: SignedRecord): boolean {
  return sameBytes(encodeRecord(a), encodeRecord(b))
}

/**
 * Orders two versions of one record: positive when `a` supersedes `b`. A
 * higher version wins; two different records at one version (an owner that
 * signed twice) are ordered by their encodings, so every reader picks the same.
 */
export function compareRecords(a: SignedRecord, b: SignedRecord): number {
  if (a.version !== b.version) return a.version > b.version ? 1 : -1
  return Buffer.compare(encodeRecord(a), encodeRecord(b))
}
