import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { SelfEncryptor } from '../../../main/core/selfenc/index.ts'
import { MIB, newStore, pseudoRandom, text } from './fixtures.ts'

const RUN = 16

/** Every 16-byte run of every stored chunk. */
function storedRuns(chunks: Iterable<Uint8Array>): Set<string> {
  const runs = new Set<string>()
  for (const chunk of chunks) {
    const s = Buffer.from(chunk).toString('latin1')
    for (let i = 0; i + RUN <= s.length; i++) runs.add(s.slice(i, i + RUN))
  }
  return runs
}

describe('no plaintext in stored chunks', () => {
  const enc = new SelfEncryptor()
  after(() => enc.close())

  it('no 16-byte run of a text file appears in any chunk', async () => {
    const store = newStore()
    const data = text(400_000, 3)
    await enc.encrypt(data, store)
    const runs = storedRuns(store.chunks.values())
    const plain = Buffer.from(data).toString('latin1')
    for (let i = 0; i + RUN <= plain.length; i++) {
      assert.ok(!runs.has(plain.slice(i, i + RUN)), `plaintext run at ${i} found in a chunk`)
    }
  })

  it('no sampled 16-byte run of an incompressible file appears in any chunk', async () => {
    const store = newStore()
    const data = pseudoRandom(3 * MIB + 9, 'leak')
    await enc.encrypt(data, store)
    const chunks = [...store.chunks.values()].map((c) => Buffer.from(c))
    for (let i = 0; i + RUN <= data.byteLength; i += 4099) {
      const run = data.subarray(i, i + RUN)
      for (const chunk of chunks)
        assert.equal(chunk.indexOf(run), -1, `plaintext run at ${i} found in a chunk`)
    }
  })
})
