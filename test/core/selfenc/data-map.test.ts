import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { ChunkedDataMap, DataMap } from '../../../main/core/selfenc/index.ts'
import {
  DataMapInvalidError,
  decodeHandle,
  encodeHandle,
  parseDataMap,
  serializeDataMap,
} from '../../../main/core/selfenc/index.ts'
import { pseudoRandom } from './fixtures.ts'

function sampleMap(count: number, level = 0): ChunkedDataMap {
  const chunks = Array.from({ length: count }, (_, i) => ({
    index: i,
    size: 1000 + i,
    plainHash: pseudoRandom(32, `p${i}`),
    address: pseudoRandom(32, `a${i}`),
  }))
  const sum = chunks.reduce((s, c) => s + c.size, 0)
  return { kind: 'chunked', level, size: level === 0 ? sum : 123_456_789, chunks }
}

/** Throws DataMapInvalid, and nothing else. */
function invalid(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataMapInvalidError, `expected DataMapInvalid, got ${String(err)}`)
    assert.equal(err.name, 'DataMapInvalid')
    if (pattern) assert.match(err.message, pattern)
    return true
  })
}

/** parse either rejects with DataMapInvalid or returns a map whose serialization is the input. */
function parsesCanonicallyOrRejects(bytes: Uint8Array): void {
  let map: DataMap
  try {
    map = parseDataMap(bytes)
  } catch (err) {
    assert.ok(err instanceof DataMapInvalidError, `parse threw ${String(err)}`)
    return
  }
  assert.deepEqual(serializeDataMap(map), new Uint8Array(bytes))
}

describe('data map serialization', () => {
  it('round-trips inline and chunked maps', () => {
    const maps: DataMap[] = [
      { kind: 'inline', size: 0, bytes: new Uint8Array(0) },
      { kind: 'inline', size: 1, bytes: Uint8Array.of(9) },
      { kind: 'inline', size: 2, bytes: Uint8Array.of(1, 2) },
      sampleMap(3),
      sampleMap(50),
      { ...sampleMap(3, 0), chunks: sampleMap(3, 0).chunks },
    ]
    for (const map of maps) {
      const bytes = serializeDataMap(map)
      assert.deepEqual(parseDataMap(bytes), map)
    }
    // 2 + 1 + 4 + 8 header bytes, then 68 per entry.
    assert.equal(serializeDataMap(sampleMap(3)).byteLength, 15 + 3 * 68)
  })

  it('round-trips handles, ignoring surrounding whitespace', () => {
    const map = sampleMap(3)
    const handle = encodeHandle(map)
    assert.match(handle, /^pd1:[A-Za-z0-9_-]+$/)
    assert.deepEqual(decodeHandle(handle), map)
    assert.deepEqual(decodeHandle(`  ${handle}\n`), map)
    assert.equal(encodeHandle({ kind: 'inline', size: 0, bytes: new Uint8Array(0) }), 'pd1:AQEA')
  })

  it('names what is wrong with malformed maps', () => {
    const good = serializeDataMap(sampleMap(3))
    const edit = (at: number, ...bytes: number[]): Uint8Array => {
      const copy = Uint8Array.from(good)
      copy.set(bytes, at)
      return copy
    }
    invalid(() => parseDataMap(new Uint8Array(0)), /too short/)
    invalid(() => parseDataMap(edit(0, 2)), /version 2/)
    invalid(() => parseDataMap(edit(1, 9)), /unknown kind 9/)
    invalid(() => parseDataMap(good.subarray(0, good.byteLength - 1)), /3 entries need/)
    invalid(() => parseDataMap(Uint8Array.of(...good, 0)), /3 entries need/)
    invalid(() => parseDataMap(edit(2, 200)), /level 200/)
    invalid(() => parseDataMap(edit(3, 0xff, 0xff, 0xff, 0xff)), /4294967295 entries/)
    invalid(() => parseDataMap(edit(3, 2, 0, 0, 0)), /2 entries need|fewer than 3/)
    invalid(() => parseDataMap(edit(7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), /too large/)
    invalid(() => parseDataMap(edit(7, 0x88, 0x13)), /add up to 3003, but the file size is 5000/)
    invalid(() => parseDataMap(edit(15, 0, 0, 0, 0)), /chunk 0 size 0/)
    invalid(() => parseDataMap(edit(15, 1, 0, 0x10, 0)), /chunk 0 size 1048577/)
    invalid(() => parseDataMap(Uint8Array.of(1, 1, 3, 1, 2, 3)), /inline length 3/)
    invalid(() => parseDataMap(Uint8Array.of(1, 1, 2, 1)), /inline map/)
    // A shrunk level must hold exactly a serialized map of more than 3 entries.
    invalid(() => parseDataMap(edit(2, 1)), /not the size of a shrunk map/)
  })

  it('refuses to serialize maps that could not be read back', () => {
    invalid(() => serializeDataMap({ kind: 'inline', size: 3, bytes: Uint8Array.of(1, 2, 3) }))
    invalid(() => serializeDataMap({ ...sampleMap(3), size: 5 }))
    invalid(() => serializeDataMap({ ...sampleMap(2) }))
    const badHash = sampleMap(3)
    invalid(() =>
      serializeDataMap({
        ...badHash,
        chunks: badHash.chunks.map((c) => ({ ...c, address: new Uint8Array(31) })),
      }),
    )
    invalid(() => serializeDataMap({ ...badHash, chunks: badHash.chunks.map((c) => ({ ...c, index: 0 })) }))
  })

  it('gives clear errors for malformed handles', () => {
    invalid(() => decodeHandle(''), /not a PeerDrive handle/)
    invalid(() => decodeHandle('hello'), /must start with "pd1:"/)
    invalid(() => decodeHandle('pd2:AQEA'), /not a PeerDrive handle/)
    invalid(() => decodeHandle('pd1:AQ!A'), /not valid base64url/)
    invalid(() => decodeHandle('pd1:AQEA='), /not valid base64url/)
    invalid(() => decodeHandle('pd1:AQF'), /not valid base64url/) // non-canonical last character
    invalid(() => decodeHandle('pd1:AQ'), /too short/)
    invalid(() => decodeHandle(`pd1:${'A'.repeat(5000)}`), /needs at most 296/)
    invalid(() => decodeHandle(42 as unknown as string), /must be text/)
    const four = `pd1:${Buffer.from(serializeDataMap(sampleMap(4))).toString('base64url')}`
    invalid(() => decodeHandle(four), /at most 3 entries/)
    invalid(() => encodeHandle(sampleMap(4)), /at most 3 entries/)
  })

  it('fuzz: random bytes never parse into anything but a valid map or DataMapInvalid', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => parsesCanonicallyOrRejects(bytes)),
      { numRuns: 3000 },
    )
    // Random bytes behind a plausible header, to get past the first checks.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 6 }),
        fc.uint8Array({ maxLength: 600 }),
        (level, count, rest) => {
          const header = new Uint8Array(7)
          header.set([1, 2, level])
          new DataView(header.buffer).setUint32(3, count, true)
          parsesCanonicallyOrRejects(Uint8Array.of(...header, ...rest))
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('fuzz: mutated valid maps are either still valid maps or DataMapInvalid', () => {
    const seeds = [
      serializeDataMap(sampleMap(3)),
      serializeDataMap(sampleMap(5)),
      Uint8Array.of(1, 1, 2, 7, 8),
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.integer({ min: -3, max: 3 }),
        (seed, edits, resize) => {
          const bytes = Uint8Array.from(seed)
          for (const [at, value] of edits) bytes[at % bytes.byteLength] = value
          const cut = resize < 0 ? bytes.subarray(0, Math.max(0, bytes.byteLength + resize)) : bytes
          const grown = resize > 0 ? Uint8Array.of(...cut, ...new Uint8Array(resize)) : cut
          parsesCanonicallyOrRejects(grown)
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('fuzz: random handle text gives a map or DataMapInvalid, never another error', () => {
    const check = (text: string): void => {
      try {
        decodeHandle(text)
      } catch (err) {
        assert.ok(
          err instanceof DataMapInvalidError,
          `decodeHandle(${JSON.stringify(text)}) threw ${String(err)}`,
        )
      }
    }
    fc.assert(fc.property(fc.string({ maxLength: 400 }), check), { numRuns: 2000 })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) =>
        check(`pd1:${Buffer.from(bytes).toString('base64url')}`),
      ),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => check(`pd1:${s}`)),
      { numRuns: 2000 },
    )
  })

  it('does not allocate from a huge claimed entry count', () => {
    const header = new Uint8Array(15)
    header.set([1, 2, 0])
    new DataView(header.buffer).setUint32(3, 0xffffffff, true)
    const start = performance.now()
    invalid(() => parseDataMap(header), /entries need/)
    assert.ok(performance.now() - start < 1000)
  })
})
