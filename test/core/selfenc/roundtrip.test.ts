import assert from 'node:assert/strict'
import { appendFileSync, truncateSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import {
  CHUNK_OVERHEAD,
  dataMapSize,
  decodeHandle,
  encodeHandle,
  FileChangedError,
  MAX_CHUNK_SIZE,
  SelfEncryptor,
} from '../../../main/core/selfenc/index.ts'
import { chunkSpans } from '../../../main/core/selfenc/split.ts'
import { tempDir } from '../../helpers.ts'
import { chunked, LooseStore, MIB, newStore, pseudoRandom, same, text } from './fixtures.ts'

describe('self-encryption round trips', () => {
  const enc = new SelfEncryptor()
  after(() => enc.close())

  const edgeSizes = [0, 1, 2, 3, 4, 5, 100, MIB - 1, MIB, MIB + 1, 3 * MIB - 1, 3 * MIB, 3 * MIB + 1]

  for (const n of edgeSizes) {
    it(`round-trips ${n} random bytes, with chunks of the specified sizes`, async () => {
      const store = newStore()
      const data = pseudoRandom(n, `edge-${n}`)
      const map = await enc.encrypt(data, store)
      assert.equal(dataMapSize(map), n)
      if (n < 3) {
        assert.equal(map.kind, 'inline')
        assert.equal(store.chunks.size, 0)
      } else {
        const root = chunked(await enc.resolve(map, store))
        assert.deepEqual(
          root.chunks.map((c) => c.size),
          chunkSpans(n).map((s) => s.size),
        )
        assert.ok(root.chunks.length >= 3)
        assert.ok(chunked(map).chunks.length <= 3)
      }
      for (const bytes of store.chunks.values())
        assert.ok(bytes.byteLength <= MAX_CHUNK_SIZE + CHUNK_OVERHEAD)
      assert.ok(same(await enc.decrypt(map, store), data))
      assert.ok(same(await enc.decrypt(decodeHandle(encodeHandle(map)), store), data))
    })
  }

  it('round-trips compressible data and stores it compressed', async () => {
    for (const data of [new Uint8Array(3 * MIB + 7), text(2 * MIB + 3), new Uint8Array(5 * MIB).fill(0x61)]) {
      const store = newStore()
      const map = await enc.encrypt(data, store)
      let stored = 0
      for (const bytes of store.chunks.values()) stored += bytes.byteLength
      assert.ok(stored < data.byteLength / 2, `${data.byteLength} bytes stored as ${stored}`)
      assert.ok(same(await enc.decrypt(map, store), data))
    }
  })

  it('stores incompressible data at its size plus a fixed overhead per chunk', async () => {
    const store = newStore()
    const data = pseudoRandom(2 * MIB, 'incompressible')
    const map = await enc.encrypt(data, store)
    const sizes = [...store.chunks.values()].map((b) => b.byteLength).sort()
    assert.deepEqual(
      sizes,
      chunkSpans(2 * MIB)
        .map((s) => s.size + CHUNK_OVERHEAD)
        .sort(),
    )
    assert.ok(same(await enc.decrypt(map, store), data))
  })

  it('round-trips 64 MiB in memory and through files, giving the same map both ways', async (t) => {
    const dir = await tempDir(t)
    const data = pseudoRandom(64 * MIB, 'big')
    const store = new LooseStore()
    const map = await enc.encrypt(data, store)
    assert.equal(chunked(await enc.resolve(map, store)).chunks.length, 64)
    assert.ok(same(await enc.decrypt(map, store), data))

    const input = join(dir, 'in.bin')
    const output = join(dir, 'out.bin')
    await writeFile(input, data)
    const seen: number[] = []
    const fileMap = await enc.encryptFile(input, store, (done, total) => {
      assert.equal(total, data.byteLength)
      seen.push(done)
    })
    assert.equal(encodeHandle(fileMap), encodeHandle(map))
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    )
    assert.equal(seen.at(-1), data.byteLength)

    const written: number[] = []
    await enc.decryptToFile(decodeHandle(encodeHandle(fileMap)), store, output, (done) => written.push(done))
    assert.equal(written.at(-1), data.byteLength)
    assert.ok(same(await readFile(output), data))
  })

  it('round-trips tiny and empty files through encryptFile/decryptToFile', async (t) => {
    const dir = await tempDir(t)
    const store = newStore()
    for (const n of [0, 1, 2, 3, 1000]) {
      const data = pseudoRandom(n, `file-${n}`)
      await writeFile(join(dir, `in-${n}`), data)
      const map = await enc.encryptFile(join(dir, `in-${n}`), store)
      assert.equal(dataMapSize(map), n)
      await enc.decryptToFile(map, store, join(dir, `out-${n}`))
      assert.ok(same(await readFile(join(dir, `out-${n}`)), data))
    }
  })

  it('encryptFile notices a file that grows or shrinks while it is read', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'moving.bin')
    for (const change of [() => appendFileSync(path, 'more'), () => truncateSync(path, MIB)]) {
      await writeFile(path, pseudoRandom(32 * MIB, 'moving'))
      let changed = false
      const onProgress = (): void => {
        if (!changed) change()
        changed = true
      }
      await assert.rejects(enc.encryptFile(path, newStore(), onProgress), (err: Error) => {
        assert.ok(err instanceof FileChangedError)
        assert.equal(err.name, 'FileChanged')
        assert.ok(err.message.includes(path))
        return true
      })
    }
  })

  it('readRange returns exactly the requested slice, clipped at the end', async () => {
    const store = newStore()
    const data = pseudoRandom(5 * MIB + 123, 'range')
    const map = await enc.encrypt(data, store)
    const cases: [number, number][] = [
      [0, 0],
      [0, 1],
      [MIB - 1, 2],
      [MIB, MIB],
      [3 * MIB - 5, 2 * MIB + 10],
      [5 * MIB, 1000],
      [data.byteLength - 1, 1],
      [data.byteLength, 10],
      [data.byteLength + 10, 10],
      [0, data.byteLength],
    ]
    for (const [offset, length] of cases) {
      const got = await enc.readRange(map, store, offset, length)
      assert.ok(same(got, data.subarray(offset, offset + length)), `range ${offset}+${length}`)
    }
    await assert.rejects(enc.readRange(map, store, -1, 1), RangeError)
    await assert.rejects(enc.readRange(map, store, 0, 1.5), RangeError)
  })

  it('readRange fetches only the chunks covering the range', async () => {
    const store = newStore()
    const data = pseudoRandom(6 * MIB, 'fetches')
    const map = await enc.encrypt(data, store)
    const root = chunked(await enc.resolve(map, store))
    const fetched: string[] = []
    const counting = {
      get: async (address: Uint8Array) => {
        fetched.push(Buffer.from(address).toString('hex'))
        return store.get(address)
      },
    }
    // The map is already resolved and cached: only file chunks are fetched.
    const got = await enc.readRange(map, counting, 2 * MIB - 10, 20)
    assert.ok(same(got, data.subarray(2 * MIB - 10, 2 * MIB + 10)))
    assert.deepEqual(
      fetched.sort(),
      [root.chunks[1]!, root.chunks[2]!].map((c) => Buffer.from(c.address).toString('hex')).sort(),
    )
  })

  it('property: any size, any window, inline or in workers, matches the original slice', async () => {
    const small = new SelfEncryptor({ chunkSize: 256, poolMinBytes: 4096 })
    const inline = new SelfEncryptor({ chunkSize: 1024, workers: 0 })
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 20_000 }),
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 25_000 })), { minLength: 1, maxLength: 5 }),
          fc.boolean(),
          fc.boolean(),
          async (n, windows, useInline, compressible) => {
            const e = useInline ? inline : small
            const store = newStore()
            const data = compressible ? text(n, n + 1) : pseudoRandom(n, `prop-${n}`)
            const map = await e.encrypt(data, store)
            assert.equal(dataMapSize(map), n)
            if (map.kind === 'chunked') assert.ok(map.chunks.length <= 3)
            assert.ok(same(await e.decrypt(map, store), data))
            for (const [rawOffset, length] of windows) {
              const offset = n === 0 ? rawOffset % 10 : rawOffset % (n + 10)
              const got = await e.readRange(map, store, offset, length)
              assert.ok(same(got, data.subarray(offset, offset + length)), `n=${n} range ${offset}+${length}`)
            }
          },
        ),
        { numRuns: 60 },
      )
    } finally {
      await small.close()
      await inline.close()
    }
  })

  it('property: random sizes around the real chunk boundaries round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(MIB, 3 * MIB, 4 * MIB),
        fc.integer({ min: -3, max: 3 }),
        fc.nat(),
        fc.nat({ max: 2 * MIB }),
        async (base, delta, rawOffset, length) => {
          const n = base + delta
          const store = newStore()
          const data = pseudoRandom(n, `boundary-${n}`)
          const map = await enc.encrypt(data, store)
          assert.ok(same(await enc.decrypt(map, store), data))
          const offset = rawOffset % n
          assert.ok(
            same(await enc.readRange(map, store, offset, length), data.subarray(offset, offset + length)),
          )
        },
      ),
      { numRuns: 12 },
    )
  })
})
