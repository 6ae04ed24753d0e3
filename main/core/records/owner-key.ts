// An owner's Ed25519 key pair on node:crypto (OpenSSL), built from and
// exported as the raw 32-byte seed, so callers can derive it (from
// credentials) or keep it sealed elsewhere.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { OWNER_KEY_BYTES } from './format.ts'

export const OWNER_SEED_BYTES = 32

// DER wrappers that turn raw Ed25519 bytes into PKCS#8 and SPKI structures (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export class OwnerKey {
  /** The raw 32-byte public key: a record's `owner`. */
  readonly publicKey: Uint8Array
  readonly #privateKey: KeyObject

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
    this.publicKey = Uint8Array.from(spki.subarray(SPKI_PREFIX.length))
  }

  static generate(): OwnerKey {
    return new OwnerKey(generateKeyPairSync('ed25519').privateKey)
  }

  /** The key pair a 32-byte seed determines (RFC 8032). */
  static fromSeed(seed: Uint8Array): OwnerKey {
    if (!(seed instanceof Uint8Array) || seed.byteLength !== OWNER_SEED_BYTES)
      throw new TypeError(`an owner key seed is ${OWNER_SEED_BYTES} bytes`)
    return new OwnerKey(
      createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
    )
  }

  /** The 32-byte seed: whoever has it can sign as this owner. */
  exportSeed(): Uint8Array {
    const pkcs8 = this.#privateKey.export({ format: 'der', type: 'pkcs8' })
    return Uint8Array.from(pkcs8.subarray(PKCS8_PREFIX.length))
  }

  sign(message: Uint8Array): Uint8Array {
    return Uint8Array.from(sign(null, message, this.#privateKey))
  }
}

/** A raw 32-byte Ed25519 public key as a KeyObject; throws if it is not a valid point. */
export function ownerPublicKey(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== OWNER_KEY_BYTES) throw new TypeError(`an owner key is ${OWNER_KEY_BYTES} bytes`)
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}
