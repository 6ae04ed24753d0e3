// The named failures of self-encryption. Callers match on `name`; the message
// names the chunk or input at fault so a user can act on it.
import { PeerDriveError } from '../errors.ts'

/** A data map or handle that cannot be parsed or is inconsistent. */
export class DataMapInvalidError extends PeerDriveError {
  constructor(message: string) {
    super('DataMapInvalid', `invalid data map: ${message}`)
  }
}

/**
 * Why a fetched chunk was rejected:
 * - 'hash-mismatch': its bytes do not hash to the address in the data map;
 * - 'aead-failure': AES-GCM authentication failed (wrong key or modified bytes);
 * - 'bad-payload': it authenticated but its payload is malformed (flag, zstd frame, size);
 * - 'plaintext-mismatch': it decrypted but the plaintext does not hash to the map's plaintext hash.
 */
export type TamperReason = 'hash-mismatch' | 'aead-failure' | 'bad-payload' | 'plaintext-mismatch'

const REASON_TEXT: Record<TamperReason, string> = {
  'hash-mismatch': 'its bytes do not hash to its address',
  'aead-failure': 'AES-GCM authentication failed',
  'bad-payload': 'its decrypted payload is malformed',
  'plaintext-mismatch': 'its plaintext does not match the data map',
}

export function isTamperReason(value: unknown): value is TamperReason {
  return typeof value === 'string' && Object.hasOwn(REASON_TEXT, value)
}

/** A chunk came back from storage but is not the chunk the data map names. */
export class ChunkTamperedError extends PeerDriveError {
  readonly address: string
  readonly reason: TamperReason
  readonly detail: string | undefined
  constructor(addressHex: string, reason: TamperReason, detail?: string) {
    super(
      'ChunkTampered',
      `chunk ${addressHex} was tampered with: ${REASON_TEXT[reason]}${detail ? ` (${detail})` : ''}`,
    )
    this.address = addressHex
    this.reason = reason
    this.detail = detail
  }
}

/** The file being encrypted changed size or mtime while it was read. */
export class FileChangedError extends PeerDriveError {
  readonly path: string
  constructor(path: string, detail: string) {
    super('FileChanged', `${path} changed while it was being encrypted (${detail}); try again`)
    this.path = path
  }
}
