// Where per-chunk work runs: on the calling thread (small jobs, where a
// thread hop costs more than the work) or in the worker pool. Both give the
// same bytes; the pipelines do not care which they got.
import { BufferRecycler } from './buffers.ts'
import type { ChunkExpectation, SealedChunk } from './chunk-cipher.ts'
import { CHUNK_OVERHEAD, openChunk, sealChunk, sha256 } from './chunk-cipher.ts'
import type { WorkerPool } from './pool.ts'
import type { HashResult, OpenResult, SealResult } from './wire.ts'
import { fromWire, moveWhole } from './wire.ts'

/**
 * `owned` below means the executor may take the view's whole underlying
 * buffer (move it to a worker, reuse it later); views it does not own are
 * only read, or copied first.
 */
export interface ChunkExecutor {
  /** Threads doing chunk work: sets how many chunks a pipeline keeps in flight. */
  readonly parallelism: number
  /** True when chunks are moved to other threads, so input should be read into scratch() buffers. */
  readonly moves: boolean
  /** An owned buffer of `length` bytes to read a plaintext chunk into. */
  scratch(length: number): Uint8Array
  /** SHA-256 of a plaintext chunk; the plaintext comes back for sealing. */
  hash(plain: Uint8Array, owned: boolean): Promise<{ hash: Uint8Array; plain: Uint8Array; owned: boolean }>
  /** Seals a plaintext chunk; an owned `plain` must not be used afterwards (it is reused). */
  seal(plain: Uint8Array, owned: boolean, ikm: Uint8Array): Promise<SealedChunk>
  /** Opens a stored chunk (not owned: it belongs to the store). */
  open(chunk: Uint8Array, expect: ChunkExpectation): Promise<Uint8Array>
}

/** Spare buffers kept per operation: enough for every chunk a pipeline has in flight. */
function spares(parallelism: number): number {
  return 4 + 8 * parallelism
}

export function inlineExecutor(chunkSize: number): ChunkExecutor {
  const plainBuffers = new BufferRecycler(chunkSize, spares(1))
  return {
    parallelism: 1,
    moves: false,
    scratch: (length) => plainBuffers.take(length),
    async hash(plain, owned) {
      return { hash: sha256(plain), plain, owned }
    },
    async seal(plain, owned, ikm) {
      // sealChunk keeps no reference to `plain`, so its buffer is free again.
      const sealed = sealChunk(plain, ikm)
      if (owned) plainBuffers.give(plain.buffer as ArrayBuffer)
      return sealed
    },
    async open(chunk, expect) {
      return openChunk(chunk, expect)
    },
  }
}

export function poolExecutor(pool: WorkerPool, chunkSize: number): ChunkExecutor {
  const plainBuffers = new BufferRecycler(chunkSize, spares(pool.size))
  const chunkBuffers = new BufferRecycler(chunkSize + CHUNK_OVERHEAD, spares(pool.size))
  const own = (view: Uint8Array, owned: boolean, recycler: BufferRecycler): Uint8Array => {
    if (owned) return view
    const copy = recycler.take(view.byteLength)
    copy.set(view)
    return copy
  }
  return {
    parallelism: pool.size,
    moves: true,
    scratch: (length) => plainBuffers.take(length),
    async hash(plain, owned) {
      const wire = moveWhole(own(plain, owned, plainBuffers))
      const r = await pool.run<HashResult>({ op: 'hash', plain: wire }, [wire.buf])
      return { hash: r.hash, plain: fromWire(r.plain), owned: true }
    },
    async seal(plain, owned, ikm) {
      const wire = moveWhole(own(plain, owned, plainBuffers))
      const r = await pool.run<SealResult>({ op: 'seal', plain: wire, ikm }, [wire.buf])
      plainBuffers.give(r.spent)
      return { chunk: fromWire(r.chunk), address: r.address }
    },
    async open(chunk, expect) {
      const wire = moveWhole(own(chunk, false, chunkBuffers))
      const r = await pool.run<OpenResult>(
        {
          op: 'open',
          chunk: wire,
          // Copies: these may be views into a large parsed map, and a posted view
          // carries its whole underlying buffer along.
          address: new Uint8Array(expect.address),
          ikm: expect.ikm,
          plainHash: new Uint8Array(expect.plainHash),
          size: expect.size,
        },
        [wire.buf],
      )
      chunkBuffers.give(r.spent)
      return fromWire(r.plain)
    },
  }
}
