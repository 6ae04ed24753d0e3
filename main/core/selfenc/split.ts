// How n plaintext bytes are cut into chunks. Pure arithmetic: chunk i's span
// is computed from (n, chunkSize, i) alone, so nothing has to hold a table of
// spans for a file larger than memory.

export const MIB = 1024 * 1024

/** Largest plaintext chunk, and the chunk size used for every real file. */
export const MAX_CHUNK_SIZE = MIB

/** Every chunk's key derives from two other chunks' hashes, so a file needs at least three. */
export const MIN_CHUNKS = 3

/**
 * Smallest chunk size a SelfEncryptor accepts (only tests go below 1 MiB). A
 * serialized map entry is 68 bytes; with chunks well above that, each shrink
 * level has fewer entries than the one below it, so shrinking terminates.
 */
export const MIN_CONFIGURABLE_CHUNK_SIZE = 256

export interface Span {
  readonly offset: number
  readonly size: number
}

/** Files this short cannot be cut into three non-empty chunks; their bytes live in the map. */
export function isInlineSize(n: number): boolean {
  return n < MIN_CHUNKS
}

/** max(3, ceil(n / chunkSize)) for n ≥ 3; 0 for inline sizes. */
export function chunkCount(n: number, chunkSize: number = MAX_CHUNK_SIZE): number {
  if (isInlineSize(n)) return 0
  return Math.max(MIN_CHUNKS, Math.ceil(n / chunkSize))
}

/**
 * Chunk i of an n-byte file. Up to 3 chunk sizes: three near-equal parts, the
 * first (n mod 3) one byte longer (so 3 MiB − 1 gives 1 MiB, 1 MiB, 1 MiB − 1).
 * Above that: full chunks and a shorter tail, so appending to a file rewrites
 * only its tail (and chunks 0 and 1, whose keys depend on the last hashes).
 */
export function chunkSpan(n: number, i: number, chunkSize: number = MAX_CHUNK_SIZE): Span {
  const count = chunkCount(n, chunkSize)
  if (!Number.isInteger(i) || i < 0 || i >= count)
    throw new RangeError(`chunk ${i} out of range 0..${count - 1}`)
  if (n <= MIN_CHUNKS * chunkSize) {
    const base = Math.floor(n / MIN_CHUNKS)
    const extra = n % MIN_CHUNKS
    const size = base + (i < extra ? 1 : 0)
    const offset = i * base + Math.min(i, extra)
    return { offset, size }
  }
  const offset = i * chunkSize
  return { offset, size: Math.min(chunkSize, n - offset) }
}

/** All spans of an n-byte file, in order. */
export function chunkSpans(n: number, chunkSize: number = MAX_CHUNK_SIZE): Span[] {
  const count = chunkCount(n, chunkSize)
  const spans: Span[] = new Array(count)
  for (let i = 0; i < count; i++) spans[i] = chunkSpan(n, i, chunkSize)
  return spans
}
