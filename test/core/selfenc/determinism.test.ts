import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { encodeHandle, SelfEncryptor } from '../../../main/core/selfenc/index.ts'
import { addresses, chunked, MIB, newStore, pseudoRandom } from './fixtures.ts'

/** Indices whose address differs between two level-0 maps of the same chunk count. */
function changed(a: string[], b: string[]): number[] {
  assert.equal(a.length, b.length)
  return a.flatMap((x, i) => (x === b[i] ? [] : [i]))
}

describe('determinism and deduplication', () => {
  const enc = new SelfEncryptor()
  const small = new SelfEncryptor({ chunkSize: 1024 })
  after(async () => {
    await enc.close()
    await small.close()
  })

  it('same bytes give the same chunks and the same handle, across encryptors and threads', async () => {
    const data = pseudoRandom(5 * MIB + 77, 'dedup')
    const a = newStore()
    const b = newStore()
    const inline = new SelfEncryptor({ workers: 0 })
    const pooled = new SelfEncryptor({ workers: 2, poolMinBytes: 0 })
    try {
      const m1 = await inline.encrypt(data, a)
      const m2 = await pooled.encrypt(Uint8Array.from(data), b)
      assert.equal(encodeHandle(m1), encodeHandle(m2))
      assert.deepEqual([...a.chunks.keys()].sort(), [...b.chunks.keys()].sort())
      // Storing the same file again adds nothing.
      const before = a.chunks.size
      await enc.encrypt(data, a)
      assert.equal(a.chunks.size, before)
    } finally {
      await inline.close()
      await pooled.close()
    }
  })

  it('a one-byte change re-keys only its chunk and the two chunks after it (wrapping)', async () => {
    const n = 10 * 1024
    const data = pseudoRandom(n, 'one-byte')
    const store = newStore()
    const baseMap = chunked(await small.resolve(await small.encrypt(data, store), store))
    const base = addresses(baseMap)
    const baseHashes = baseMap.chunks.map((c) => Buffer.from(c.plainHash).toString('hex'))
    assert.equal(base.length, 10)
    const cases: [chunk: number, expected: number[]][] = [
      [4, [4, 5, 6]],
      [0, [0, 1, 2]],
      [8, [0, 8, 9]],
      [9, [0, 1, 9]],
    ]
    for (const [chunk, expected] of cases) {
      const edited = Uint8Array.from(data)
      edited[chunk * 1024 + 17]! ^= 0x01
      const map = chunked(await small.resolve(await small.encrypt(edited, store), store))
      assert.deepEqual(changed(base, addresses(map)), expected, `byte changed in chunk ${chunk}`)
      // Only the edited chunk's plaintext hash changes; the next two change because their keys use it.
      assert.deepEqual(
        changed(
          baseHashes,
          map.chunks.map((c) => Buffer.from(c.plainHash).toString('hex')),
        ),
        [chunk],
      )
    }
  })

  it('with real 1 MiB chunks, a change in chunk 2 of 6 changes chunks 2, 3 and 4 only', async () => {
    const data = pseudoRandom(6 * MIB, 'real')
    const store = newStore()
    const base = addresses(chunked(await enc.resolve(await enc.encrypt(data, store), store)))
    const edited = Uint8Array.from(data)
    edited[2 * MIB + 12345]! ^= 0x80
    const after = addresses(chunked(await enc.resolve(await enc.encrypt(edited, store), store)))
    assert.deepEqual(changed(base, after), [2, 3, 4])
  })

  it('appending past 3 MiB rewrites only the tail and chunks 0 and 1', async () => {
    const data = pseudoRandom(4 * MIB + 500, 'append')
    const store = newStore()
    const before = addresses(chunked(await enc.resolve(await enc.encrypt(data, store), store)))
    const longer = new Uint8Array(data.byteLength + 1000)
    longer.set(data)
    longer.set(pseudoRandom(1000, 'tail'), data.byteLength)
    const after = addresses(chunked(await enc.resolve(await enc.encrypt(longer, store), store)))
    assert.equal(after.length, before.length)
    assert.deepEqual(changed(before, after), [0, 1, 4])
  })
})
