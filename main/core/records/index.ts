// records/ owns signed mutable records: their format, owner keys, signatures and addresses.
// Storing them in the network is the network's part (net/network-record-store.ts).
export { OwnerKey, OWNER_SEED_BYTES, ownerPublicKey } from './owner-key.ts'
export {
  MAX_NAME_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_RECORD_BYTES,
  MAX_VERSION,
  OWNER_KEY_BYTES,
  SIGNATURE_BYTES,
  decodeRecord,
  encodeRecord,
} from './format.ts'
export type { SignedRecord, UnsignedRecord } from './format.ts'
export {
  addressOf,
  compareRecords,
  recordAddress,
  recordName,
  sameRecord,
  signRecord,
  verifyRecord,
} from './record.ts'
export type { RecordFields } from './record.ts'
export { admitRecord } from './holder-rules.ts'
export type { Admission, RecordPutOutcome } from './holder-rules.ts'
export {
  RecordBadSignatureError,
  RecordInvalidError,
  RecordPutError,
  RecordStaleError,
  RecordUnavailableError,
} from './errors.ts'
