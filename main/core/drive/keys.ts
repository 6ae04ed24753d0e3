// The drive's keys: an owner signing seed (its root record is signed with
// it) and a symmetric key (seals the root pointer). An account's session
// packet carries them (account/); tests make fresh ones.
import { randomBytes } from 'node:crypto'

export interface DriveKeys {
  /** Ed25519 seed of the drive owner's signing key. */
  ownerSeed: Uint8Array
  /** 256-bit key sealing the root pointer. */
  encryptionKey: Uint8Array
}

export function newDriveKeys(): DriveKeys {
  return { ownerSeed: randomBytes(32), encryptionKey: randomBytes(32) }
}
