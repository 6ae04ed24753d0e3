// The two chunk pipelines: seal a plaintext into stored chunks, and open
// stored chunks back into plaintext. Both keep a bounded window of chunks in
// flight, so memory stays flat for files larger than RAM, and both stop at the
// first failure, waiting for work already started before they report it.
import type { ChunkStore } from '../chunk-store.ts'
import { toHex } from '../chunk-store.ts'
import type { ChunkInfo } from './data-map.ts'
import { ChunkTamperedError } from './errors.ts'
import type { ChunkExecutor } from './executor.ts'
import { keyMaterial, neighbours } from './keys.ts'
import { chunkCount, chunkSpan } from './split.ts'

export type ChunkSink = Pick<ChunkStore, 'put'>
export type ChunkSource = Pick<ChunkStore, 'get'>

/** Plaintext to be sealed, read one chunk at a time. */
export interface PlainSource {
  readonly size: number
  /** Bytes [offset, offset + length) without a copy, when they are already in memory. */
  view?(offset: number, length: number): Uint8Array
  /** Copies bytes [offset, offset + dest.byteLength) into `dest`. */
  readInto(offset: number, dest: Uint8Array): Promise<void>
}

export function memorySource(data: Uint8Array): PlainSource {
  return {
    size: data.byteLength,
    view: (offset, length) => data.subarray(offset, offset + length),
    async readInto(offset, dest) {
      dest.set(data.subarray(offset, offset + dest.byteLength))
    },
  }
}

/**
 * Chunks kept in flight: enough per thread that a worker always has queued
 * work while the orchestrating thread waits for a core (on a 2-core machine
 * it shares them with the workers), + 2 because chunks 0 and 1 stay in flight
 * until the last two hashes are known.
 */
function windowFor(exec: ChunkExecutor): number {
  return 2 + 6 * exec.parallelism
}

/**
 * Runs job(i) for each i in [first, last) with at most `window` running. On the
 * first failure it launches nothing more, calls onFail (to wake jobs waiting on
 * each other), waits for the running jobs, and throws that failure.
 */
async function runWindowed(
  first: number,
  last: number,
  window: number,
  job: (i: number) => Promise<void>,
  onFail?: (err: unknown) => void,
): Promise<void> {
  // A counter and one wake-up, not Promise.race over the running jobs: racing
  // would add a reaction to a long-running job (chunk 0) on every iteration.
  let running = 0
  let wake: (() => void) | undefined
  let failure: { err: unknown } | undefined
  const settled = (): void => {
    running--
    wake?.()
    wake = undefined
  }
  for (let i = first; i < last && !failure; i++) {
    while (running >= window) await new Promise<void>((resolve) => (wake = resolve))
    if (failure) break
    running++
    job(i).then(settled, (err: unknown) => {
      if (!failure) {
        failure = { err }
        onFail?.(err)
      }
      settled()
    })
  }
  while (running > 0) await new Promise<void>((resolve) => (wake = resolve))
  if (failure) throw failure.err
}

/**
 * Seals `src` (≥ 3 bytes) into chunks stored in `sink`; returns the level-0
 * entries. Chunk i is hashed as soon as it is read and sealed as soon as the
 * hashes of i−1 and i−2 are known, so the file is read once; only chunks 0
 * and 1 wait for the end (their keys need the last two hashes).
 */
export async function sealChunks(
  src: PlainSource,
  sink: ChunkSink,
  exec: ChunkExecutor,
  chunkSize: number,
  onProgress?: (doneBytes: number) => void,
): Promise<ChunkInfo[]> {
  const n = src.size
  const count = chunkCount(n, chunkSize)
  const hashes: Uint8Array[] = new Array(count)
  // Waiters for hashes not known yet; only chunks in flight have one, so a
  // file of a million chunks does not hold a million promises.
  const waiting = new Map<number, PromiseWithResolvers<void>>()
  let failed: { err: unknown } | undefined
  const hashOf = async (j: number): Promise<void> => {
    if (hashes[j]) return
    if (failed) throw failed.err
    let w = waiting.get(j)
    if (!w) {
      w = Promise.withResolvers<void>()
      waiting.set(j, w)
    }
    await w.promise
  }
  const entries: ChunkInfo[] = new Array(count)
  let done = 0
  await runWindowed(
    0,
    count,
    windowFor(exec),
    async (i) => {
      const span = chunkSpan(n, i, chunkSize)
      let plain: Uint8Array
      let owned: boolean
      if (src.view && !exec.moves) {
        plain = src.view(span.offset, span.size)
        owned = false
      } else {
        plain = exec.scratch(span.size)
        owned = true
        await src.readInto(span.offset, plain)
      }
      const h = await exec.hash(plain, owned)
      hashes[i] = h.hash
      waiting.get(i)?.resolve()
      waiting.delete(i)
      const [n1, n2] = neighbours(i, count)
      await hashOf(n1)
      await hashOf(n2)
      const sealed = await exec.seal(
        h.plain,
        h.owned,
        keyMaterial(i, count, (j) => hashes[j]!),
      )
      await sink.put(sealed.address, sealed.chunk)
      entries[i] = { index: i, plainHash: h.hash, address: sealed.address, size: span.size }
      done += span.size
      onProgress?.(done)
    },
    (err) => {
      failed = { err }
      for (const w of waiting.values()) {
        w.promise.catch(() => {})
        w.reject(err)
      }
      waiting.clear()
    },
  )
  return entries
}

/** A store that verifies on read reports corruption its own way; it is still tampering. */
async function fetchChunk(source: ChunkSource, address: Uint8Array): Promise<Uint8Array> {
  try {
    return await source.get(address)
  } catch (err) {
    if (err instanceof Error && err.name === 'ChunkHashMismatch') {
      throw new ChunkTamperedError(toHex(address), 'hash-mismatch', 'reported by the store')
    }
    throw err
  }
}

/**
 * Fetches, checks and opens chunks [first, last) of a map level, handing each
 * plaintext to `deliver` (in no particular order).
 */
export async function openChunks(
  chunks: readonly ChunkInfo[],
  first: number,
  last: number,
  source: ChunkSource,
  exec: ChunkExecutor,
  deliver: (i: number, plain: Uint8Array) => void | Promise<void>,
): Promise<void> {
  const count = chunks.length
  await runWindowed(first, last, windowFor(exec), async (i) => {
    const c = chunks[i]!
    const bytes = await fetchChunk(source, c.address)
    const ikm = keyMaterial(i, count, (j) => chunks[j]!.plainHash)
    const plain = await exec.open(bytes, { address: c.address, ikm, plainHash: c.plainHash, size: c.size })
    await deliver(i, plain)
  })
}
