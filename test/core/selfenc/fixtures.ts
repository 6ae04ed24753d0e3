// Shared fixtures for the self-encryption tests: deterministic bytes, stores
// that do or do not verify, and small lookups into maps and stores.
import { createCipheriv, createHash } from 'node:crypto'
import { MemoryChunkStore, toHex } from '../../../main/core/chunk-store.ts'
import type { ChunkedDataMap, DataMap } from '../../../main/core/selfenc/index.ts'

export const MIB = 1024 * 1024

/** Deterministic pseudo-random bytes (an AES-CTR keystream): incompressible, reproducible, fast. */
export function pseudoRandom(n: number, seed = 'seed'): Uint8Array {
  const key = createHash('sha256').update(seed).digest()
  const stream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  return new Uint8Array(stream.update(new Uint8Array(n)))
}

const WORDS = (
  'the of and to in is was that for on with as by at from his her they this which be or had an not are but ' +
  'drive vault chunk network peer encrypted file storage copy user machine coin farming replica close group ' +
  'morning river mountain letter window garden story quiet number yellow history careful distance'
).split(' ')

/** English-like text: compressible, with no long repeats (so 16-byte runs are distinctive). */
export function text(n: number, seed = 1): Uint8Array {
  let x = seed >>> 0 || 1
  const next = (): number => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
  const parts: string[] = []
  let len = 0
  let sentence = 0
  while (len < n) {
    let w = WORDS[Math.floor(next() * WORDS.length)]!
    if (sentence === 0) w = w[0]!.toUpperCase() + w.slice(1)
    sentence++
    const end = sentence > 6 && next() < 0.15
    if (end) sentence = 0
    const piece = `${w}${end ? '. ' : next() < 0.05 ? `, ${Math.floor(next() * 100000)} ` : ' '}`
    parts.push(piece)
    len += piece.length
  }
  return new TextEncoder().encode(parts.join('')).subarray(0, n)
}

/** A store that keeps whatever it is given, unverified: lets tests plant bad chunks. */
export class LooseStore extends MemoryChunkStore {
  override async put(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    this.chunks.set(toHex(address), Uint8Array.from(bytes))
  }
}

export function newStore(): MemoryChunkStore {
  return new MemoryChunkStore()
}

export function chunked(map: DataMap): ChunkedDataMap {
  if (map.kind !== 'chunked') throw new Error(`expected a chunked map, got ${map.kind}`)
  return map
}

export function addresses(map: ChunkedDataMap): string[] {
  return map.chunks.map((c) => toHex(c.address))
}

export function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}
