// Named failures of records. Holders answer them with wire statuses, callers
// and tests match on `name`.
import { toHex } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'

/** Bytes or fields that are not a well-formed record (sizes, lengths, format). */
export class RecordInvalidError extends PeerDriveError {
  constructor(reason: string) {
    super('RecordInvalid', `invalid record: ${reason}`)
  }
}

/** The signature does not verify under the record's own owner key. */
export class RecordBadSignatureError extends PeerDriveError {
  constructor(address: Uint8Array) {
    super('RecordBadSignature', `record ${toHex(address)} is not signed by its owner`)
  }
}

/**
 * The offered version is not higher than the one held: an older version
 * (a replay or a downgrade), or the same version with other contents.
 */
export class RecordStaleError extends PeerDriveError {
  readonly offered: bigint
  /** The version held, when the refusing side knows it. */
  readonly held: bigint | undefined
  constructor(address: Uint8Array, offered: bigint, held?: bigint) {
    const why =
      held === undefined
        ? `version ${offered} is not newer than the version its holders have`
        : offered < held
          ? `version ${offered} is older than the held version ${held}`
          : `version ${offered} is already held with other contents`
    super('RecordStale', `record ${toHex(address)}: ${why}`)
    this.offered = offered
    this.held = held
  }
}

/** No vault took the record. */
export class RecordPutError extends PeerDriveError {
  constructor(address: Uint8Array, why: string) {
    super('RecordPutFailed', `could not store record ${toHex(address)}: ${why}`)
  }
}

/** No vault answered a read at all: the record's absence is unknown, not shown. */
export class RecordUnavailableError extends PeerDriveError {
  constructor(address: Uint8Array) {
    super('RecordUnavailable', `no vault answered for record ${toHex(address)}`)
  }
}
