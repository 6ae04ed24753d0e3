// The session packet: the account's own keys, sealed with XChaCha20-Poly1305
// under the key derived from the credentials. The 192-bit nonce is random for
// every seal (a password change or re-seal never reuses one), and the
// packet's location is bound in as associated data, so a packet copied to
// another location does not open there.
//
//   sealed = nonce (24) ‖ AEAD(magic "PDSP" ‖ format (1) ‖ account seed ‖ drive owner seed
//                              ‖ drive key ‖ wallet seed)          (each 32 bytes)
import { getRandomValues, randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'

export interface AccountKeys {
  /** Ed25519 seed of the account itself: its public key is the account id. */
  accountSeed: Uint8Array
  /** Ed25519 seed that signs the drive's root record. */
  driveOwnerSeed: Uint8Array
  /** 256-bit key that seals the drive's root pointer. */
  driveKey: Uint8Array
  /** Ed25519 seed of the wallet that farmed coin is paid to. */
  walletSeed: Uint8Array
}

const MAGIC = Buffer.from('PDSP')
const FORMAT = 1
const KEY_BYTES = 32
const NONCE_BYTES = 24
const PLAIN_BYTES = MAGIC.length + 1 + 4 * KEY_BYTES
/** The sealed size: a packet of any other length is not a session packet. */
export const SEALED_PACKET_BYTES = NONCE_BYTES + PLAIN_BYTES + 16

export function newAccountKeys(): AccountKeys {
  return {
    accountSeed: randomKey(),
    driveOwnerSeed: randomKey(),
    driveKey: randomKey(),
    walletSeed: randomKey(),
  }
}

/** The keys as the packet's plaintext (also what "remember me" seals on this device). */
export function encodeKeys(keys: AccountKeys): Buffer {
  return Buffer.concat([
    MAGIC,
    Buffer.from([FORMAT]),
    keys.accountSeed,
    keys.driveOwnerSeed,
    keys.driveKey,
    keys.walletSeed,
  ])
}

/** The keys from their plaintext form, or undefined when it is not one. */
export function decodeKeys(plain: Uint8Array): AccountKeys | undefined {
  if (plain.byteLength !== PLAIN_BYTES) return undefined
  if (!MAGIC.equals(plain.subarray(0, MAGIC.length)) || plain[MAGIC.length] !== FORMAT) return undefined
  const at = (i: number) =>
    plain.slice(MAGIC.length + 1 + i * KEY_BYTES, MAGIC.length + 1 + (i + 1) * KEY_BYTES)
  return { accountSeed: at(0), driveOwnerSeed: at(1), driveKey: at(2), walletSeed: at(3) }
}

function randomKey(): Uint8Array {
  return getRandomValues(new Uint8Array(KEY_BYTES))
}

export function sealPacket(keys: AccountKeys, sealKey: Uint8Array, location: Uint8Array): Uint8Array {
  const plain = encodeKeys(keys)
  const nonce = randomBytes(NONCE_BYTES)
  const sealed = xchacha20poly1305(sealKey, nonce, location).encrypt(plain)
  plain.fill(0)
  return Buffer.concat([nonce, sealed])
}

/** The keys in a sealed packet, or undefined when it does not open with this key at this location. */
export function openPacket(
  sealed: Uint8Array,
  sealKey: Uint8Array,
  location: Uint8Array,
): AccountKeys | undefined {
  if (sealed.byteLength !== SEALED_PACKET_BYTES) return undefined
  let plain: Uint8Array
  try {
    plain = xchacha20poly1305(sealKey, sealed.subarray(0, NONCE_BYTES), location).decrypt(
      sealed.subarray(NONCE_BYTES),
    )
  } catch {
    return undefined
  }
  const keys = decodeKeys(plain)
  plain.fill(0)
  return keys
}

/** Overwrites every key with zeros: what logout leaves in memory. */
export function wipeKeys(keys: AccountKeys): void {
  for (const k of [keys.accountSeed, keys.driveOwnerSeed, keys.driveKey, keys.walletSeed]) k.fill(0)
}
