// The data map: what a reader needs to find, open and check every chunk of a
// file, and its compact binary form. Every parse is size-checked before
// anything is allocated: a map comes from the network or a user's paste.
//
// Serialized form (integers little-endian), version 1:
//   u8 version = 1
//   u8 kind: 1 = inline, 2 = chunked
//   inline:  u8 n (0..2), then the file's n bytes
//   chunked: u8 level, u32 count, u64 size (the file's plaintext length),
//            then count × { u32 plaintext size, 32 B plaintext hash, 32 B address }
// A chunk's index is its position. Level 0: the chunks are the file. Level
// k > 0: the chunks hold the serialized level k−1 map ("shrink", shrink.ts).
import { DATA_MAP_FORMAT_VERSION, DATA_MAP_KIND_CHUNKED, DATA_MAP_KIND_INLINE } from './domains.ts'
import { DataMapInvalidError } from './errors.ts'
import { HASH_BYTES } from './keys.ts'
import { MAX_CHUNK_SIZE, MIN_CHUNKS } from './split.ts'

export interface ChunkInfo {
  readonly index: number
  /** SHA-256 of the chunk's plaintext: keys this chunk and its two successors. */
  readonly plainHash: Uint8Array
  /** SHA-256 of the stored chunk: where it lives. */
  readonly address: Uint8Array
  /** Plaintext bytes in this chunk. */
  readonly size: number
}

/** A file under 3 bytes (or empty): too short to split, so its bytes live in the map. */
export interface InlineDataMap {
  readonly kind: 'inline'
  readonly size: number
  readonly bytes: Uint8Array
}

export interface ChunkedDataMap {
  readonly kind: 'chunked'
  /** Plaintext length of the file, at every level. */
  readonly size: number
  /** 0: `chunks` are the file; k > 0: `chunks` hold the serialized level k−1 map. */
  readonly level: number
  readonly chunks: readonly ChunkInfo[]
}

export type DataMap = InlineDataMap | ChunkedDataMap

/** Deepest shrink level accepted; real files need at most 3 (see docs/CRYPTO.md). */
export const MAX_LEVEL = 32
/** Most entries a root map (the one in a handle) has after shrinking. */
export const ROOT_MAX_CHUNKS = 3
export const MAX_INLINE_BYTES = MIN_CHUNKS - 1

const INLINE_HEADER = 3
export const CHUNKED_HEADER = 15
export const ENTRY_BYTES = 4 + 2 * HASH_BYTES

/** Plaintext length of the file a map describes. */
export function dataMapSize(map: DataMap): number {
  return map.size
}

/** Length of the serialized form of a chunked map with `count` entries. */
export function serializedChunkedLength(count: number): number {
  return CHUNKED_HEADER + count * ENTRY_BYTES
}

function invalid(message: string): never {
  throw new DataMapInvalidError(message)
}

function checkSize(size: unknown, what: string, min: number, max: number): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < min || size > max) {
    invalid(`${what} ${String(size)} is not an integer in ${min}..${max}`)
  }
  return size
}

function checkHash(hash: unknown, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.byteLength !== HASH_BYTES)
    invalid(`${what} is not ${HASH_BYTES} bytes`)
}

/**
 * Structural rules shared by serialize and parse, so nothing is written that
 * could not be read back.
 */
export function checkDataMap(map: DataMap): void {
  if (typeof map !== 'object' || map === null) invalid('not an object')
  if (map.kind === 'inline') {
    if (!(map.bytes instanceof Uint8Array)) invalid('inline bytes are not bytes')
    checkSize(map.bytes.byteLength, 'inline length', 0, MAX_INLINE_BYTES)
    if (map.size !== map.bytes.byteLength)
      invalid(`inline map of ${map.bytes.byteLength} bytes claims size ${map.size}`)
    return
  }
  if (map.kind !== 'chunked') invalid(`unknown kind ${String((map as { kind: unknown }).kind)}`)
  checkSize(map.level, 'level', 0, MAX_LEVEL)
  checkSize(map.size, 'file size', MIN_CHUNKS, Number.MAX_SAFE_INTEGER)
  if (!Array.isArray(map.chunks) || map.chunks.length < MIN_CHUNKS) invalid(`fewer than ${MIN_CHUNKS} chunks`)
  let sum = 0
  map.chunks.forEach((c, i) => {
    if (c.index !== i) invalid(`entry ${i} has index ${c.index}`)
    sum += checkSize(c.size, `chunk ${i} size`, 1, MAX_CHUNK_SIZE)
    checkHash(c.plainHash, `chunk ${i} plaintext hash`)
    checkHash(c.address, `chunk ${i} address`)
  })
  if (map.level === 0) {
    if (sum !== map.size) invalid(`chunk sizes add up to ${sum}, but the file size is ${map.size}`)
  } else {
    // The chunks hold a serialized child map, which was shrunk because it had more than 3 entries.
    const childEntries = (sum - CHUNKED_HEADER) / ENTRY_BYTES
    if (!Number.isInteger(childEntries) || childEntries <= ROOT_MAX_CHUNKS) {
      invalid(`level ${map.level} chunks hold ${sum} bytes, which is not the size of a shrunk map`)
    }
  }
}

export function serializeDataMap(map: DataMap): Uint8Array {
  checkDataMap(map)
  if (map.kind === 'inline') {
    const out = new Uint8Array(INLINE_HEADER + map.bytes.byteLength)
    out.set([DATA_MAP_FORMAT_VERSION, DATA_MAP_KIND_INLINE, map.bytes.byteLength])
    out.set(map.bytes, INLINE_HEADER)
    return out
  }
  const out = new Uint8Array(serializedChunkedLength(map.chunks.length))
  const view = new DataView(out.buffer)
  out.set([DATA_MAP_FORMAT_VERSION, DATA_MAP_KIND_CHUNKED, map.level])
  view.setUint32(3, map.chunks.length, true)
  view.setBigUint64(7, BigInt(map.size), true)
  let at = CHUNKED_HEADER
  for (const c of map.chunks) {
    view.setUint32(at, c.size, true)
    out.set(c.plainHash, at + 4)
    out.set(c.address, at + 4 + HASH_BYTES)
    at += ENTRY_BYTES
  }
  return out
}

/** Parses a serialized map; any malformed input throws DataMapInvalidError. */
export function parseDataMap(input: Uint8Array): DataMap {
  if (!(input instanceof Uint8Array)) invalid('not bytes')
  if (input.byteLength < 2) invalid(`${input.byteLength} bytes is too short`)
  // Copy once: the parsed map must not alias memory the caller may reuse.
  const bytes = new Uint8Array(input)
  const version = bytes[0]!
  if (version !== DATA_MAP_FORMAT_VERSION) invalid(`unsupported format version ${version}`)
  const kind = bytes[1]!
  if (kind === DATA_MAP_KIND_INLINE) {
    if (bytes.byteLength < INLINE_HEADER) invalid('inline map is truncated')
    const n = bytes[2]!
    if (n > MAX_INLINE_BYTES) invalid(`inline length ${n} exceeds ${MAX_INLINE_BYTES}`)
    if (bytes.byteLength !== INLINE_HEADER + n) {
      invalid(`inline map of ${n} bytes is ${bytes.byteLength} bytes long, expected ${INLINE_HEADER + n}`)
    }
    return { kind: 'inline', size: n, bytes: bytes.subarray(INLINE_HEADER) }
  }
  if (kind !== DATA_MAP_KIND_CHUNKED) invalid(`unknown kind ${kind}`)
  if (bytes.byteLength < CHUNKED_HEADER) invalid('header is truncated')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const level = bytes[2]!
  const count = view.getUint32(3, true)
  const size = view.getBigUint64(7, true)
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) invalid(`file size ${size} is too large`)
  // Checked before any allocation that depends on `count`.
  if (bytes.byteLength !== serializedChunkedLength(count)) {
    invalid(`${count} entries need ${serializedChunkedLength(count)} bytes, got ${bytes.byteLength}`)
  }
  const chunks: ChunkInfo[] = new Array(count)
  let at = CHUNKED_HEADER
  for (let i = 0; i < count; i++) {
    chunks[i] = {
      index: i,
      size: view.getUint32(at, true),
      plainHash: bytes.subarray(at + 4, at + 4 + HASH_BYTES),
      address: bytes.subarray(at + 4 + HASH_BYTES, at + ENTRY_BYTES),
    }
    at += ENTRY_BYTES
  }
  const map: ChunkedDataMap = { kind: 'chunked', level, size: Number(size), chunks }
  checkDataMap(map)
  return map
}
