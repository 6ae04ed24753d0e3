import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import {
  DataMapInvalidError,
  decodeHandle,
  encodeHandle,
  parseDataMap,
  SelfEncryptor,
  serializeDataMap,
} from '../../../main/core/selfenc/index.ts'
import type { ChunkedDataMap } from '../../../main/core/selfenc/index.ts'
import { chunked, MIB, newStore, pseudoRandom, same, text } from './fixtures.ts'

describe('shrink: maps of more than 3 entries are stored, recursively', () => {
  const enc = new SelfEncryptor()
  after(() => enc.close())

  it('leaves a 3-chunk map as the root (3 MiB)', async () => {
    const store = newStore()
    const map = chunked(await enc.encrypt(pseudoRandom(3 * MIB, 'three'), store))
    assert.equal(map.level, 0)
    assert.equal(map.chunks.length, 3)
    assert.equal(store.chunks.size, 3)
  })

  for (const n of [4 * MIB, 4 * MIB + 1, 9 * MIB + 5]) {
    it(`shrinks the map of a ${n}-byte file into a root of at most 3 entries, one level up`, async () => {
      const store = newStore()
      const data = pseudoRandom(n, `shrink-${n}`)
      const map = chunked(await enc.encrypt(data, store))
      assert.equal(map.level, 1)
      assert.ok(map.chunks.length <= 3)
      assert.equal(map.size, n)
      const level0 = chunked(await enc.resolve(map, store))
      assert.equal(level0.level, 0)
      assert.equal(level0.chunks.length, Math.ceil(n / MIB))
      // The stored child map is exactly the serialized level-0 map.
      const child = await enc.decrypt(
        { kind: 'chunked', level: 0, size: serializeDataMap(level0).byteLength, chunks: map.chunks },
        store,
      )
      assert.ok(same(child, serializeDataMap(level0)))
      assert.equal(store.chunks.size, level0.chunks.length + map.chunks.length)
      assert.ok(same(await enc.decrypt(decodeHandle(encodeHandle(map)), store), data))
    })
  }

  it('shrinks many levels deep with a small chunk size and still reads every range', async () => {
    const tiny = new SelfEncryptor({ chunkSize: 256 })
    try {
      const store = newStore()
      const data = text(256 * 200 + 13, 7)
      const map = chunked(await tiny.encrypt(data, store))
      assert.ok(map.level >= 3, `level ${map.level}`)
      assert.ok(map.chunks.length <= 3)
      // Each level below is a parseable map one level lower, describing the same file.
      let level: ChunkedDataMap = map
      while (level.level > 0) {
        const sizes = level.chunks.reduce((s, c) => s + c.size, 0)
        const bytes = await tiny.decrypt(
          { kind: 'chunked', level: 0, size: sizes, chunks: level.chunks },
          store,
        )
        const child = chunked(parseDataMap(bytes))
        assert.equal(child.level, level.level - 1)
        assert.equal(child.size, data.byteLength)
        assert.ok(child.chunks.length > 3)
        level = child
      }
      assert.equal(level.chunks.length, 201)
      const fresh = new SelfEncryptor({ workers: 0 })
      try {
        assert.ok(same(await fresh.decrypt(decodeHandle(encodeHandle(map)), store), data))
        assert.ok(same(await fresh.readRange(map, store, 20_000, 700), data.subarray(20_000, 20_700)))
      } finally {
        await fresh.close()
      }
    } finally {
      await tiny.close()
    }
  })

  it('rejects a root whose child is not the map one level down', async () => {
    const store = newStore()
    const map = chunked(await enc.encrypt(pseudoRandom(4 * MIB + 1, 'liar'), store))
    const wrongLevel: ChunkedDataMap = { ...map, level: 2 }
    await assert.rejects(enc.decrypt(wrongLevel, store), DataMapInvalidError)
    const wrongSize: ChunkedDataMap = { ...map, size: map.size + 1 }
    await assert.rejects(enc.decrypt(wrongSize, store), (err: Error) => {
      assert.equal(err.name, 'DataMapInvalid')
      assert.match(err.message, /same/)
      return true
    })
  })

  it('rejects a file map posing as a shrunk map', async () => {
    const store = newStore()
    // 15 + 68·5 bytes: the size of a serialized 5-entry map, but it is just a file.
    const data = pseudoRandom(15 + 68 * 5, 'posing')
    const map = chunked(await enc.encrypt(data, store))
    await assert.rejects(enc.decrypt({ ...map, level: 1 }, store), DataMapInvalidError)
  })
})
