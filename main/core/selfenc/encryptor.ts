// SelfEncryptor: the public face of self-encryption. It chooses where chunk
// work runs, drives the pipelines, shrinks and unshrinks maps, and moves
// bytes between memory, files and a chunk store.
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { constants as bufferConstants } from 'node:buffer'
import type { ChunkedDataMap, ChunkInfo, DataMap } from './data-map.ts'
import { checkDataMap } from './data-map.ts'
import { toHex } from '../chunk-store.ts'
import { UsageError } from '../errors.ts'
import { FileChangedError } from './errors.ts'
import type { ChunkExecutor } from './executor.ts'
import { inlineExecutor, poolExecutor } from './executor.ts'
import type { ChunkSink, ChunkSource, PlainSource } from './pipeline.ts'
import { memorySource, openChunks, sealChunks } from './pipeline.ts'
import { PlainChunkCache } from './plain-cache.ts'
import { ReadAhead } from './read-ahead.ts'
import { WorkerPool } from './pool.ts'
import { shrink, unshrink } from './shrink.ts'
import { isInlineSize, MAX_CHUNK_SIZE, MIN_CONFIGURABLE_CHUNK_SIZE } from './split.ts'

export interface SelfEncryptorOptions {
  /** Worker threads for chunk work; default os.availableParallelism(). 0 = all on the calling thread. */
  workers?: number
  /**
   * Plaintext chunk size, default (and maximum) 1 MiB. Smaller values exist
   * so tests can exercise many chunks and deep shrinks cheaply; maps made with
   * them are read like any other.
   */
  chunkSize?: number
  /** Jobs touching fewer bytes run on the calling thread (a thread hop costs more); default 256 KiB. */
  poolMinBytes?: number
  /** Opened chunks kept for range reads (bytes of plaintext); default 64 MiB, 0 = none. */
  plainCacheBytes?: number
  /** Most chunks opened ahead of sequential range reads; default 8, 0 = none. */
  readAheadChunks?: number
}

/** Called as bytes are processed: (bytes done, bytes in total). */
export type ProgressFn = (doneBytes: number, totalBytes: number) => void

const DEFAULT_POOL_MIN_BYTES = 256 * 1024
const DEFAULT_PLAIN_CACHE_BYTES = 64 * 2 ** 20
const DEFAULT_READ_AHEAD_CHUNKS = 8

function checkInt(value: number, what: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer in ${min}..${max}, got ${value}`)
  }
  return value
}

export class SelfEncryptor {
  readonly #workers: number
  readonly #chunkSize: number
  readonly #poolMinBytes: number
  #pool: WorkerPool | undefined
  /** Level-0 maps behind shrunk roots, so repeated range reads do not refetch the child maps. */
  readonly #resolved = new WeakMap<ChunkedDataMap, ChunkedDataMap>()
  /** Plaintext offset of each chunk of a level-0 map (count + 1 entries). */
  readonly #offsets = new WeakMap<ChunkedDataMap, Float64Array>()
  /** Maps already checked, so a map built in code is validated once, not on every read. */
  readonly #checked = new WeakSet<DataMap>()
  /** Chunks opened for range reads, so a chunk is opened once, not once per read inside it. */
  readonly #plain: PlainChunkCache
  readonly #readAhead: ReadAhead

  constructor(opts: SelfEncryptorOptions = {}) {
    this.#workers = checkInt(opts.workers ?? availableParallelism(), 'workers', 0, 256)
    this.#chunkSize = checkInt(
      opts.chunkSize ?? MAX_CHUNK_SIZE,
      'chunkSize',
      MIN_CONFIGURABLE_CHUNK_SIZE,
      MAX_CHUNK_SIZE,
    )
    this.#poolMinBytes = checkInt(
      opts.poolMinBytes ?? DEFAULT_POOL_MIN_BYTES,
      'poolMinBytes',
      0,
      Number.MAX_SAFE_INTEGER,
    )
    const cacheBytes = checkInt(
      opts.plainCacheBytes ?? DEFAULT_PLAIN_CACHE_BYTES,
      'plainCacheBytes',
      0,
      Number.MAX_SAFE_INTEGER,
    )
    this.#plain = new PlainChunkCache(cacheBytes)
    // Chunks read ahead must still be cached when the reader gets to them.
    const aheadFits = Math.floor(cacheBytes / (2 * this.#chunkSize))
    this.#readAhead = new ReadAhead(
      Math.min(
        aheadFits,
        checkInt(opts.readAheadChunks ?? DEFAULT_READ_AHEAD_CHUNKS, 'readAheadChunks', 0, 1024),
      ),
    )
  }

  /** Splits, seals and stores `data` (which must not change until this settles); returns the root map. */
  async encrypt(data: Uint8Array, sink: ChunkSink): Promise<DataMap> {
    if (isInlineSize(data.byteLength)) return inlineMap(data)
    return this.#sealSource(memorySource(data), sink)
  }

  /**
   * Encrypts a file of any size in one pass with bounded memory (a few chunks
   * per worker in flight). Throws FileChangedError if the file changes size or
   * mtime meanwhile.
   */
  async encryptFile(path: string, sink: ChunkSink, onProgress?: ProgressFn): Promise<DataMap> {
    const fh = await open(path, 'r')
    try {
      const before = await fh.stat()
      if (!before.isFile()) throw new UsageError(`not a regular file: ${path}`)
      const n = before.size
      const src: PlainSource = {
        size: n,
        async readInto(offset, dest) {
          for (let got = 0; got < dest.byteLength;) {
            const { bytesRead } = await fh.read(dest, got, dest.byteLength - got, offset + got)
            if (bytesRead === 0) throw new FileChangedError(path, `it ended at ${offset + got} of ${n} bytes`)
            got += bytesRead
          }
        },
      }
      const map = isInlineSize(n)
        ? await readInline(src)
        : await this.#sealSource(src, sink, (done) => onProgress?.(done, n))
      const after = await fh.stat()
      if (after.size !== n || after.mtimeMs !== before.mtimeMs) {
        throw new FileChangedError(
          path,
          `size ${n} → ${after.size}, mtime ${before.mtimeMs} → ${after.mtimeMs}`,
        )
      }
      onProgress?.(n, n)
      return map
    } finally {
      await fh.close()
    }
  }

  /** The whole file, fetched and checked chunk by chunk. */
  async decrypt(map: DataMap, source: ChunkSource): Promise<Uint8Array> {
    this.#check(map)
    if (map.kind === 'inline') return new Uint8Array(map.bytes)
    if (map.size > bufferConstants.MAX_LENGTH) {
      throw new RangeError(`a ${map.size}-byte file does not fit in memory; use decryptToFile or readRange`)
    }
    const root = await this.resolve(map, source)
    const offsets = this.#offsetsOf(root)
    const out = new Uint8Array(root.size)
    await openChunks(root.chunks, 0, root.chunks.length, source, this.#executor(root.size), (i, plain) => {
      out.set(plain, offsets[i])
    })
    return out
  }

  /**
   * Writes the file to `outPath`, a chunk at a time (bounded memory). It is
   * written beside `outPath` under a temporary name and renamed on success, so
   * a failure never leaves a partial file at `outPath`.
   */
  async decryptToFile(
    map: DataMap,
    source: ChunkSource,
    outPath: string,
    onProgress?: ProgressFn,
  ): Promise<void> {
    this.#check(map)
    const temp = join(dirname(outPath), `.${basename(outPath)}.${randomBytes(6).toString('hex')}.partial`)
    const fh = await open(temp, 'wx')
    let closed = false
    try {
      if (map.kind === 'inline') {
        await fh.write(map.bytes, 0, map.bytes.byteLength, 0)
      } else {
        const root = await this.resolve(map, source)
        const offsets = this.#offsetsOf(root)
        let done = 0
        await openChunks(
          root.chunks,
          0,
          root.chunks.length,
          source,
          this.#executor(root.size),
          async (i, plain) => {
            for (let put = 0; put < plain.byteLength;) {
              const { bytesWritten } = await fh.write(plain, put, plain.byteLength - put, offsets[i]! + put)
              put += bytesWritten
            }
            done += plain.byteLength
            onProgress?.(done, root.size)
          },
        )
      }
      closed = true
      await fh.close()
      await rename(temp, outPath)
    } catch (err) {
      if (!closed) await fh.close().catch(() => {})
      await rm(temp, { force: true })
      throw err
    }
  }

  /**
   * Bytes [offset, offset + length) of the file, clipped at its end (like a
   * file read). Fetches and opens only the chunks covering that range; chunks
   * opened stay cached for the reads that follow, and sequential reads open
   * the next chunks ahead of the reader (in parallel, in the workers).
   */
  async readRange(map: DataMap, source: ChunkSource, offset: number, length: number): Promise<Uint8Array> {
    checkInt(offset, 'offset', 0, Number.MAX_SAFE_INTEGER)
    checkInt(length, 'length', 0, Number.MAX_SAFE_INTEGER)
    this.#check(map)
    const end = Math.min(map.size, offset + length)
    if (offset >= end) return new Uint8Array(0)
    if (end - offset > bufferConstants.MAX_LENGTH) {
      throw new RangeError(`a read of ${end - offset} bytes does not fit in memory; read smaller ranges`)
    }
    if (map.kind === 'inline') return new Uint8Array(map.bytes.subarray(offset, end))
    const root = await this.resolve(map, source)
    const offsets = this.#offsetsOf(root)
    const first = chunkAt(offsets, offset)
    const last = chunkAt(offsets, end - 1) + 1
    const wanted: Promise<Uint8Array>[] = []
    for (let i = first; i < last; i++) wanted.push(this.#openCached(root, i, source))
    const ahead = Math.min(root.chunks.length, last + this.#readAhead.after(root, first, last))
    for (let i = last; i < ahead; i++) this.#openCached(root, i, source).catch(() => {})
    const plains = await Promise.all(wanted)
    if (last - first === 1) {
      const plain = plains[0]!
      return new Uint8Array(plain.subarray(offset - offsets[first]!, end - offsets[first]!))
    }
    const out = new Uint8Array(end - offset)
    for (let i = first; i < last; i++) {
      const from = Math.max(offset, offsets[i]!)
      const to = Math.min(end, offsets[i + 1]!)
      out.set(plains[i - first]!.subarray(from - offsets[i]!, to - offsets[i]!), from - offset)
    }
    return out
  }

  /** Chunk i of a level-0 map, opened: from the cache, or fetched, checked and opened once. */
  #openCached(root: ChunkedDataMap, i: number, source: ChunkSource): Promise<Uint8Array> {
    const c = root.chunks[i]!
    const key = toHex(c.address) + toHex(c.plainHash)
    return this.#plain.get(key, c.size, async () => {
      let plain: Uint8Array | undefined
      await openChunks(root.chunks, i, i + 1, source, this.#executor(c.size), (_, p) => {
        plain = p
      })
      return plain!
    })
  }

  /** The level-0 map of `map` (itself when not shrunk): fetches and opens the stored child maps. */
  async resolve(map: ChunkedDataMap, source: ChunkSource): Promise<ChunkedDataMap>
  async resolve(map: DataMap, source: ChunkSource): Promise<DataMap>
  async resolve(map: DataMap, source: ChunkSource): Promise<DataMap> {
    this.#check(map)
    if (map.kind === 'inline' || map.level === 0) return map
    const cached = this.#resolved.get(map)
    if (cached) return cached
    const root = await unshrink(map, async (level) => {
      const offsets = this.#offsetsOf(level)
      const out = new Uint8Array(offsets[level.chunks.length]!)
      await openChunks(
        level.chunks,
        0,
        level.chunks.length,
        source,
        this.#executor(out.byteLength),
        (i, plain) => {
          out.set(plain, offsets[i])
        },
      )
      return out
    })
    this.#resolved.set(map, root)
    return root
  }

  /** Stops the worker threads. The encryptor stays usable: they restart on demand. */
  async close(): Promise<void> {
    this.#plain.clear()
    const pool = this.#pool
    this.#pool = undefined
    await pool?.close()
  }

  async #sealSource(
    src: PlainSource,
    sink: ChunkSink,
    onProgress?: (done: number) => void,
  ): Promise<ChunkedDataMap> {
    const chunks = await sealChunks(src, sink, this.#executor(src.size), this.#chunkSize, onProgress)
    const level0: ChunkedDataMap = { kind: 'chunked', level: 0, size: src.size, chunks }
    return shrink(level0, (bytes) => this.#sealBytes(bytes, sink))
  }

  #sealBytes(bytes: Uint8Array, sink: ChunkSink): Promise<ChunkInfo[]> {
    return sealChunks(memorySource(bytes), sink, this.#executor(bytes.byteLength), this.#chunkSize)
  }

  #check(map: DataMap): void {
    if (this.#checked.has(map)) return
    checkDataMap(map)
    this.#checked.add(map)
  }

  #executor(bytes: number): ChunkExecutor {
    if (this.#workers === 0 || bytes < this.#poolMinBytes) return inlineExecutor(this.#chunkSize)
    this.#pool ??= new WorkerPool(this.#workers)
    return poolExecutor(this.#pool, this.#chunkSize)
  }

  #offsetsOf(map: ChunkedDataMap): Float64Array {
    let offsets = this.#offsets.get(map)
    if (!offsets) {
      offsets = new Float64Array(map.chunks.length + 1)
      for (let i = 0; i < map.chunks.length; i++) offsets[i + 1] = offsets[i]! + map.chunks[i]!.size
      this.#offsets.set(map, offsets)
    }
    return offsets
  }
}

async function readInline(src: PlainSource): Promise<DataMap> {
  const bytes = new Uint8Array(src.size)
  await src.readInto(0, bytes)
  return inlineMap(bytes)
}

function inlineMap(bytes: Uint8Array): DataMap {
  // A copy (Buffer#slice would alias): the map must not change when the caller's bytes do.
  return { kind: 'inline', size: bytes.byteLength, bytes: new Uint8Array(bytes) }
}

/** Index of the chunk holding byte `pos` (offsets ascending, offsets[0] = 0, pos < last offset). */
function chunkAt(offsets: Float64Array, pos: number): number {
  let lo = 0
  let hi = offsets.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (offsets[mid]! <= pos) lo = mid
    else hi = mid - 1
  }
  return lo
}
