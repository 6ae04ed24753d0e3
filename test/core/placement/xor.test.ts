import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  closeGroup,
  closestFirst,
  closestInto,
  compareDistance,
  kadKey,
  kadLead,
  sortClosest,
  xorDistance,
} from '../../../main/core/placement/index.ts'

const peer = (name: string) => ({ name, kadId: kadKey(Buffer.from(name)) })

function distanceBig(a: Uint8Array, b: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(xorDistance(a, b)).toString('hex')}`)
}

test('compareDistance orders by the XOR metric', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (t, a, b) => {
        const expected = distanceBig(t, a) - distanceBig(t, b)
        const got = compareDistance(t, a, b)
        assert.equal(Math.sign(got), expected === 0n ? 0 : expected < 0n ? -1 : 1)
      },
    ),
  )
})

test('the close group is the R closest peers and is the same whoever computes it', () => {
  const peers = Array.from({ length: 20 }, (_, i) => peer(`peer-${i}`))
  const address = randomBytes(32)
  const group = closeGroup(address, peers, 4)
  assert.equal(group.length, 4)
  const target = kadKey(address)
  const byBrute = [...peers].sort((a, b) =>
    distanceBig(target, a.kadId) < distanceBig(target, b.kadId) ? -1 : 1,
  )
  assert.deepEqual(
    group.map((p) => p.name),
    byBrute.slice(0, 4).map((p) => p.name),
  )
  const shuffled = [...peers].reverse()
  assert.deepEqual(
    closeGroup(address, shuffled, 4).map((p) => p.name),
    group.map((p) => p.name),
  )
})

test('a peer that declines is passed over and the group extends to the next closest', () => {
  const peers = Array.from({ length: 10 }, (_, i) => peer(`p${i}`))
  const address = randomBytes(32)
  const order = closestFirst(kadKey(address), peers)
  const full = order[1]!
  const group = closeGroup(address, peers, 4, (p) => p !== full)
  assert.deepEqual(
    group.map((p) => p.name),
    [order[0], order[2], order[3], order[4]].map((p) => p!.name),
  )
})

test('fewer peers than R gives every peer', () => {
  const peers = [peer('a'), peer('b')]
  assert.equal(closeGroup(randomBytes(32), peers, 4).length, 2)
})

test('sortClosest orders as a stable sort on whole distances, near ids and duplicates included', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.integer({ min: 0, max: 80 }),
      (target, n) => {
        // ids that share the target's first bytes, so the 48-bit lead ties and the bytes after it decide
        const ids = Array.from({ length: n }, (_, i) => {
          const id = randomBytes(32)
          id.set(target.subarray(0, i % 8), 0)
          return { i, kadId: i % 5 === 4 ? target.slice() : id }
        })
        const expected = [...ids].sort((a, b) => compareDistance(target, a.kadId, b.kadId))
        assert.deepEqual(
          sortClosest(target, [...ids]).map((p) => p.i),
          expected.map((p) => p.i),
        )
        for (const count of [0, 1, 4, 12, n])
          assert.deepEqual(
            closestInto(target, ids, count, []).map((p) => p.i),
            expected.slice(0, count).map((p) => p.i),
          )
        // peers that carry their kadLead rank the same
        const led = ids.map((p) => ({ ...p, kadLead: kadLead(p.kadId) }))
        assert.deepEqual(
          sortClosest(target, [...led]).map((p) => p.i),
          expected.map((p) => p.i),
        )
        assert.deepEqual(
          closestInto(target, led, 4, []).map((p) => p.i),
          expected.slice(0, 4).map((p) => p.i),
        )
      },
    ),
  )
})
