// Per-chunk key material. Chunk i is sealed under keys derived from the
// plaintext hashes of chunks i−1, i−2 (wrapping) and i: identical files give
// identical keys (so identical chunks, deduplicated across users), and nobody
// can open a chunk without knowing its neighbours' hashes, which only the data
// map holds.
import { hkdfSync } from 'node:crypto'
import { CHUNK_KEY_INFO, CHUNK_KEY_SALT } from './domains.ts'

export const HASH_BYTES = 32
export const KEY_BYTES = 32
export const NONCE_BYTES = 12
export const TAG_BYTES = 16
/** The HKDF input: h[n1] ‖ h[n2] ‖ h[i]. */
export const IKM_BYTES = 3 * HASH_BYTES

export interface ChunkKeys {
  /** AES-256-GCM key. */
  readonly key: Uint8Array
  /** Nonce for payloads that are the raw plaintext (fully determined by h[i]). */
  readonly nonce: Uint8Array
  /** HMAC key that derives a synthetic nonce from a compressed payload (see chunk-cipher.ts). */
  readonly sivKey: Uint8Array
}

/** Indices of the two chunks whose hashes (with chunk i's own) key chunk i. */
export function neighbours(i: number, count: number): [n1: number, n2: number] {
  return [(i - 1 + count) % count, (i - 2 + count) % count]
}

/** h[n1] ‖ h[n2] ‖ h[i] for chunk i of a file whose plaintext hashes are `hashOf(j)`. */
export function keyMaterial(i: number, count: number, hashOf: (j: number) => Uint8Array): Uint8Array {
  const [n1, n2] = neighbours(i, count)
  const ikm = new Uint8Array(IKM_BYTES)
  ikm.set(hashOf(n1), 0)
  ikm.set(hashOf(n2), HASH_BYTES)
  ikm.set(hashOf(i), 2 * HASH_BYTES)
  return ikm
}

export function deriveChunkKeys(ikm: Uint8Array): ChunkKeys {
  if (ikm.byteLength !== IKM_BYTES) throw new RangeError(`key material must be ${IKM_BYTES} bytes`)
  const okm = new Uint8Array(
    hkdfSync('sha256', ikm, CHUNK_KEY_SALT, CHUNK_KEY_INFO, KEY_BYTES + NONCE_BYTES + KEY_BYTES),
  )
  return {
    key: okm.subarray(0, KEY_BYTES),
    nonce: okm.subarray(KEY_BYTES, KEY_BYTES + NONCE_BYTES),
    sivKey: okm.subarray(KEY_BYTES + NONCE_BYTES),
  }
}
