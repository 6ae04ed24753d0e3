// What a holder accepts: a record signed under its own owner key, at the
// address its owner and name give, with a version higher than the one held.
// The same version with the same bytes is accepted again and changes nothing;
// anything else — forged, replayed, downgraded, rewritten at the same
// version — is refused by name.
import { sameBytes } from '../chunk-store.ts'
import { RecordBadSignatureError, RecordInvalidError, RecordStaleError } from './errors.ts'
import { checkFields, decodeRecord, encodeRecord } from './format.ts'
import type { SignedRecord } from './format.ts'
import { addressOf, verifyRecord } from './record.ts'

export type RecordPutOutcome = 'stored' | 'unchanged'

export interface Admission {
  address: Uint8Array
  /** The record's canonical encoding: what the holder keeps. */
  bytes: Uint8Array
  outcome: RecordPutOutcome
}

/**
 * Judges `offered` against what is held at its address (looked up by
 * `held`); `claimed` is the address the sender named, if any. Throws
 * RecordInvalid, RecordBadSignature or RecordStale.
 */
export function admitRecord(
  offered: SignedRecord,
  held: (address: Uint8Array) => Uint8Array | undefined,
  claimed?: Uint8Array,
): Admission {
  checkFields(offered)
  const address = addressOf(offered)
  if (claimed && !sameBytes(claimed, address))
    throw new RecordInvalidError('the address does not match its owner and name')
  const bytes = encodeRecord(offered)
  if (!verifyRecord(offered)) throw new RecordBadSignatureError(address)
  const current = heldRecord(held(address))
  if (current) {
    if (offered.version < current.version)
      throw new RecordStaleError(address, offered.version, current.version)
    if (offered.version === current.version) {
      if (sameBytes(bytes, encodeRecord(current))) return { address, bytes, outcome: 'unchanged' }
      throw new RecordStaleError(address, offered.version, current.version)
    }
  }
  return { address, bytes, outcome: 'stored' }
}

/** A held copy that no longer decodes (a damaged index) counts as nothing held. */
function heldRecord(bytes: Uint8Array | undefined): SignedRecord | undefined {
  if (!bytes) return undefined
  try {
    return decodeRecord(bytes)
  } catch {
    return undefined
  }
}
