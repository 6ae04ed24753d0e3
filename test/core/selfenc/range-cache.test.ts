// Range reads the way FUSE makes them: many small reads inside each chunk,
// mostly sequential. Each chunk must be fetched and opened once, sequential
// reads must open the next chunks ahead, random ones must not.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { toHex } from '../../../main/core/chunk-store.ts'
import { ChunkTamperedError, SelfEncryptor } from '../../../main/core/selfenc/index.ts'
import type { ChunkedDataMap } from '../../../main/core/selfenc/index.ts'
import { PlainChunkCache } from '../../../main/core/selfenc/plain-cache.ts'
import { MIB, chunked, newStore, pseudoRandom, same } from './fixtures.ts'

const PIECE = 128 * 1024

/** A store that records which chunks were asked for, in order. */
function counting(store: ReturnType<typeof newStore>) {
  const fetched: string[] = []
  return {
    fetched,
    get: async (address: Uint8Array) => {
      fetched.push(toHex(address))
      return store.get(address)
    },
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function setup(enc: SelfEncryptor, mib: number, seed: string) {
  const store = newStore()
  const data = pseudoRandom(mib * MIB, seed)
  const map = await enc.encrypt(data, store)
  const root: ChunkedDataMap = chunked(await enc.resolve(map, store))
  const hex = root.chunks.map((c) => toHex(c.address))
  return { store, data, map, hex }
}

for (const mode of ['inline', 'workers'] as const) {
  describe(`range reads, one chunk opened once (${mode})`, () => {
    const opts = mode === 'inline' ? { workers: 0 } : { workers: 2, poolMinBytes: 0 }
    const encs: SelfEncryptor[] = []
    const make = (more: ConstructorParameters<typeof SelfEncryptor>[0] = {}) => {
      const enc = new SelfEncryptor({ ...opts, ...more })
      encs.push(enc)
      return enc
    }
    after(() => Promise.all(encs.map((e) => e.close())))

    it('sequential 128 KiB reads fetch each chunk once and return the right bytes', async () => {
      const enc = make({ readAheadChunks: 0 })
      const { store, data, map, hex } = await setup(enc, 4, 'sequential')
      const source = counting(store)
      for (let at = 0; at < data.byteLength; at += PIECE) {
        const got = await enc.readRange(map, source, at, PIECE)
        assert.ok(same(got, data.subarray(at, at + PIECE)), `piece at ${at}`)
      }
      assert.deepEqual(source.fetched, hex)
    })

    it('sequential reads open the next chunks ahead of the reader, up to the ceiling', async () => {
      const enc = make({ readAheadChunks: 3 })
      const { store, data, map, hex } = await setup(enc, 8, 'ahead')
      const source = counting(store)
      for (let at = 0; at < MIB; at += PIECE) await enc.readRange(map, source, at, PIECE)
      // reading chunk 0 to its end asked for chunks 1..3 ahead, and no further
      await until(() => source.fetched.length >= 4, 'chunks 1..3 read ahead')
      assert.deepEqual(new Set(source.fetched), new Set(hex.slice(0, 4)))
      // the reader finds them already there, and the window moves along with it
      const got = await enc.readRange(map, source, MIB, 3 * MIB)
      assert.ok(same(got, data.subarray(MIB, 4 * MIB)))
      await until(() => source.fetched.length >= 7, 'chunks 4..6 read ahead')
      assert.deepEqual(new Set(source.fetched), new Set(hex.slice(0, 7)))
      assert.equal(source.fetched.length, 7, 'no chunk fetched twice')
    })

    it('random reads fetch only the chunks they cover', async () => {
      const enc = make()
      const { store, data, map, hex } = await setup(enc, 8, 'random')
      const source = counting(store)
      for (const chunk of [5, 2, 7, 0, 4]) {
        const at = chunk * MIB + 1000
        assert.ok(same(await enc.readRange(map, source, at, 4096), data.subarray(at, at + 4096)))
      }
      await new Promise((r) => setTimeout(r, 50))
      assert.deepEqual(
        source.fetched,
        [5, 2, 7, 0, 4].map((i) => hex[i]),
      )
    })

    it('a chunk that failed is fetched again by the next read, and a bad chunk read ahead fails only its reader', async () => {
      const enc = make({ readAheadChunks: 2 })
      const { store, data, map, hex } = await setup(enc, 3, 'failing')
      const stored = store.chunks.get(hex[1]!)!
      stored[100]! ^= 0x01
      // chunk 1 is read ahead and fails in the background: chunk 0 still reads
      for (let at = 0; at < MIB; at += PIECE) {
        assert.ok(same(await enc.readRange(map, store, at, PIECE), data.subarray(at, at + PIECE)))
      }
      await assert.rejects(enc.readRange(map, store, MIB, PIECE), ChunkTamperedError)
      stored[100]! ^= 0x01
      assert.ok(same(await enc.readRange(map, store, MIB, PIECE), data.subarray(MIB, MIB + PIECE)))
    })

    it('a read across chunks returns a copy, not the cached chunk', async () => {
      const enc = make()
      const { store, data, map } = await setup(enc, 3, 'copy')
      const first = await enc.readRange(map, store, 10, 100)
      first.fill(0)
      assert.ok(same(await enc.readRange(map, store, 10, 100), data.subarray(10, 110)))
      const across = await enc.readRange(map, store, MIB - 50, 100)
      assert.ok(same(across, data.subarray(MIB - 50, MIB + 50)))
    })
  })
}

describe('PlainChunkCache', () => {
  const bytes = (n: number) => async () => new Uint8Array(n)

  it('keeps at most its byte limit, dropping the least recently used first', async () => {
    const cache = new PlainChunkCache(300)
    await cache.get('a', 100, bytes(100))
    await cache.get('b', 100, bytes(100))
    await cache.get('c', 100, bytes(100))
    await cache.get('a', 100, bytes(100)) // a is now the most recent
    await cache.get('d', 100, bytes(100))
    assert.equal(cache.sizeBytes, 300)
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((k) => cache.has(k)),
      [true, false, true, true],
    )
  })

  it('shares one open between readers, and forgets a failed one', async () => {
    const cache = new PlainChunkCache(1000)
    let opens = 0
    const failing = async (): Promise<Uint8Array> => {
      opens++
      throw new Error('gone')
    }
    await Promise.all([
      assert.rejects(cache.get('x', 10, failing)),
      assert.rejects(cache.get('x', 10, failing)),
    ])
    assert.equal(opens, 1)
    assert.equal(cache.has('x'), false)
    assert.equal(cache.sizeBytes, 0)
    assert.equal((await cache.get('x', 10, bytes(10))).byteLength, 10)
  })

  it('does not keep a chunk larger than the whole cache', async () => {
    const cache = new PlainChunkCache(10)
    assert.equal((await cache.get('big', 20, bytes(20))).byteLength, 20)
    assert.equal(cache.has('big'), false)
    assert.equal(cache.sizeBytes, 0)
  })
})
