// One chunk in and out of its sealed form. These functions are the whole of
// the per-chunk work; the worker pool and the calling thread both run them,
// so results are identical whichever ran.
//
// Stored chunk = nonce (12) ‖ AES-256-GCM(payload) ‖ tag (16), where
// payload = flag (1) ‖ body, body = plaintext or zstd(plaintext).
// Address = SHA-256 of the stored chunk.
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto'
import { sameBytes, toHex } from '../chunk-store.ts'
import { compressIfSmaller, decompressExactly } from './compress.ts'
import { PAYLOAD_RAW, PAYLOAD_ZSTD } from './domains.ts'
import { ChunkTamperedError } from './errors.ts'
import { deriveChunkKeys, NONCE_BYTES, TAG_BYTES } from './keys.ts'

/** Bytes a stored chunk adds to a raw (uncompressed) plaintext. */
export const CHUNK_OVERHEAD = NONCE_BYTES + 1 + TAG_BYTES

const FLAG_RAW = Uint8Array.of(PAYLOAD_RAW)
const FLAG_ZSTD = Uint8Array.of(PAYLOAD_ZSTD)

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

export interface SealedChunk {
  /** The bytes to store; an exactly-sized buffer of its own (safe to transfer). */
  readonly chunk: Uint8Array
  readonly address: Uint8Array
}

/**
 * Seals one plaintext chunk with keys from `ikm` = h[n1] ‖ h[n2] ‖ h[i].
 *
 * Raw payloads use the HKDF nonce: the key is unique to h[i], and a raw
 * payload is a function of the bytes hashing to h[i], so each (key, nonce)
 * seals exactly one payload. A compressed payload is a function of the
 * compressor too, and another zstd version may encode the same plaintext
 * differently; its nonce is therefore synthetic, HMAC(sivKey, payload), so two
 * different payloads never share a (key, nonce). The nonce is stored in the
 * chunk because the reader cannot recompute a synthetic one.
 */
export function sealChunk(plain: Uint8Array, ikm: Uint8Array): SealedChunk {
  const keys = deriveChunkKeys(ikm)
  const packed = compressIfSmaller(plain)
  const flag = packed ? FLAG_ZSTD : FLAG_RAW
  const body = packed ?? plain
  const nonce = packed
    ? createHmac('sha256', keys.sivKey).update(flag).update(body).digest().subarray(0, NONCE_BYTES)
    : keys.nonce
  // Every byte is written below, so skip zero-filling; "Slow" = never from the shared pool.
  const chunk = Buffer.allocUnsafeSlow(CHUNK_OVERHEAD + body.byteLength)
  chunk.set(nonce, 0)
  const cipher = createCipheriv('aes-256-gcm', keys.key, nonce, { authTagLength: TAG_BYTES })
  let at = NONCE_BYTES
  for (const part of [cipher.update(flag), cipher.update(body), cipher.final()]) {
    chunk.set(part, at)
    at += part.byteLength
  }
  chunk.set(cipher.getAuthTag(), at)
  return { chunk, address: sha256(chunk) }
}

/** What the data map says about a chunk: all that is needed to open and check it. */
export interface ChunkExpectation {
  readonly address: Uint8Array
  /** h[n1] ‖ h[n2] ‖ h[i] */
  readonly ikm: Uint8Array
  readonly plainHash: Uint8Array
  readonly size: number
}

/**
 * Opens a stored chunk, checking in turn: its address, the AEAD tag, the
 * payload's shape, and the plaintext hash. Any failure throws
 * ChunkTamperedError; wrong bytes are never returned.
 */
export function openChunk(chunk: Uint8Array, expect: ChunkExpectation): Uint8Array {
  const hex = (): string => toHex(expect.address)
  if (!sameBytes(sha256(chunk), expect.address)) throw new ChunkTamperedError(hex(), 'hash-mismatch')
  if (chunk.byteLength < CHUNK_OVERHEAD) {
    throw new ChunkTamperedError(
      hex(),
      'aead-failure',
      `${chunk.byteLength} bytes is too short to be a chunk`,
    )
  }
  // A payload never exceeds flag + raw plaintext: compression is used only when smaller.
  if (chunk.byteLength > CHUNK_OVERHEAD + expect.size) {
    throw new ChunkTamperedError(
      hex(),
      'bad-payload',
      `${chunk.byteLength} bytes for ${expect.size} plaintext bytes`,
    )
  }
  const keys = deriveChunkKeys(expect.ikm)
  const nonce = chunk.subarray(0, NONCE_BYTES)
  const tagAt = chunk.byteLength - TAG_BYTES
  let payload: Buffer
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAuthTag(chunk.subarray(tagAt))
    payload = decipher.update(chunk.subarray(NONCE_BYTES, tagAt))
    decipher.final()
  } catch {
    throw new ChunkTamperedError(hex(), 'aead-failure')
  }
  let plain: Uint8Array
  const body = payload.subarray(1)
  if (payload[0] === PAYLOAD_RAW) {
    if (body.byteLength !== expect.size) {
      throw new ChunkTamperedError(hex(), 'bad-payload', `${body.byteLength} bytes, expected ${expect.size}`)
    }
    plain = body
  } else if (payload[0] === PAYLOAD_ZSTD) {
    try {
      plain = decompressExactly(body, expect.size)
    } catch (err) {
      throw new ChunkTamperedError(hex(), 'bad-payload', (err as Error).message)
    }
  } else {
    throw new ChunkTamperedError(hex(), 'bad-payload', `unknown payload flag ${payload[0]}`)
  }
  if (!sameBytes(sha256(plain), expect.plainHash)) throw new ChunkTamperedError(hex(), 'plaintext-mismatch')
  return plain
}
