import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { chunkCount, chunkSpan, chunkSpans, MAX_CHUNK_SIZE } from '../../../main/core/selfenc/split.ts'
import { MIB } from './fixtures.ts'

describe('split', () => {
  it('stores files under 3 bytes inline (no chunks)', () => {
    for (const n of [0, 1, 2]) assert.equal(chunkCount(n), 0)
    assert.equal(chunkCount(3), 3)
  })

  it('cuts files up to 3 MiB into 3 near-equal parts, the first n mod 3 one byte longer', () => {
    assert.deepEqual(chunkSpans(3), [
      { offset: 0, size: 1 },
      { offset: 1, size: 1 },
      { offset: 2, size: 1 },
    ])
    assert.deepEqual(
      chunkSpans(11).map((s) => s.size),
      [4, 4, 3],
    )
    assert.deepEqual(
      chunkSpans(3 * MIB - 1).map((s) => s.size),
      [MIB, MIB, MIB - 1],
    )
    assert.deepEqual(
      chunkSpans(3 * MIB - 2).map((s) => s.size),
      [MIB, MIB - 1, MIB - 1],
    )
    assert.deepEqual(
      chunkSpans(3 * MIB).map((s) => s.size),
      [MIB, MIB, MIB],
    )
    assert.deepEqual(
      chunkSpans(MIB + 1).map((s) => s.size),
      [349526, 349526, 349525],
    )
  })

  it('uses full 1 MiB chunks and a tail above 3 MiB', () => {
    assert.deepEqual(
      chunkSpans(3 * MIB + 1).map((s) => s.size),
      [MIB, MIB, MIB, 1],
    )
    assert.deepEqual(
      chunkSpans(5 * MIB).map((s) => s.size),
      [MIB, MIB, MIB, MIB, MIB],
    )
    assert.equal(chunkCount(64 * MIB), 64)
    assert.deepEqual(chunkSpan(2 ** 40 + 5, 2 ** 20), { offset: 2 ** 40, size: 5 })
  })

  it('covers every byte exactly once, within bounds, for any size and chunk size', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2 ** 40 })),
        fc.integer({ min: 256, max: MAX_CHUNK_SIZE }),
        (n, chunkSize) => {
          const count = chunkCount(n, chunkSize)
          if (n < 3) return count === 0
          assert.equal(count, Math.max(3, Math.ceil(n / chunkSize)))
          // Checking every span of a 1 TiB file would be slow: check the ends and a sample.
          const indices =
            count <= 64 ? [...Array(count).keys()] : [0, 1, 2, Math.floor(count / 2), count - 2, count - 1]
          for (const i of indices) {
            const s = chunkSpan(n, i, chunkSize)
            assert.ok(s.size >= 1 && s.size <= chunkSize, `chunk ${i} size ${s.size}`)
            if (i > 0) {
              const prev = chunkSpan(n, i - 1, chunkSize)
              assert.equal(prev.offset + prev.size, s.offset)
            } else assert.equal(s.offset, 0)
          }
          const last = chunkSpan(n, count - 1, chunkSize)
          assert.equal(last.offset + last.size, n)
          return true
        },
      ),
      { numRuns: 500 },
    )
  })

  it('rejects chunk indices out of range', () => {
    assert.throws(() => chunkSpan(10, 3), RangeError)
    assert.throws(() => chunkSpan(10, -1), RangeError)
    assert.throws(() => chunkSpan(2, 0), RangeError)
  })
})
