// A repairing holder ranks its own links only for items near it; for an item
// far away it looks the group up, so a stray copy is handed to the item's
// group and not spread over the holder's neighbours.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { largestXorBelow, rankForRepair } from '../../../main/core/replication/rank.ts'

const R = 4
// each vault's place is the kad key of a seed, so an item stored under the seed lies at the vault's place
const seeds = Array.from({ length: 200 }, () => randomBytes(32))
const world = seeds.map((seed, i) => ({ key: `v${i}`, kadId: kadKey(seed) }) as unknown as VaultPeer)

/** A vault linked to the 2R vaults closest to itself, as the neighbourhood keeps them, and a few far ones. */
function linkedOnly(self: VaultPeer) {
  const byDistance = closestFirst(self.kadId, world)
  const links = [...byDistance.slice(0, 2 * R + 1), ...byDistance.slice(-6)]
  let lookups = 0
  return {
    peers: {
      self,
      withSelf: () => links,
      closest: async (key: Uint8Array, count = Infinity) => {
        lookups++
        return closestFirst(kadKey(key), world).slice(0, count)
      },
    },
    lookups: () => lookups,
  }
}

test('an item at the holder’s own place is ranked from its links, without a lookup', async () => {
  for (const [i, self] of world.slice(0, 20).entries()) {
    const v = linkedOnly(self)
    // the holder's neighbours are that item's group: the links see all of it
    const ranked = await rankForRepair(v.peers, seeds[i]!, R)
    assert.equal(v.lookups(), 0)
    assert.deepEqual(
      ranked.slice(0, R).map((p) => p.key),
      closestFirst(self.kadId, world)
        .slice(0, R)
        .map((p) => p.key),
    )
  }
})

test('an item far from the holder is looked up: its group is the true one, not the holder’s neighbours', async () => {
  let checked = 0
  let wrongLocally = 0
  for (let i = 0; i < 50; i++) {
    const self = world[i]!
    const v = linkedOnly(self)
    const address = randomBytes(32)
    const truth = closestFirst(kadKey(address), world).slice(0, R)
    const local = closestFirst(kadKey(address), v.peers.withSelf())
    const ranked = await rankForRepair(v.peers, address, R)
    if (v.lookups() === 0) {
      // seen as near: then the links really held the whole group
      assert.deepEqual(
        ranked.slice(0, R).map((p) => p.key),
        truth.map((p) => p.key),
      )
    } else {
      checked++
      assert.deepEqual(
        ranked.slice(0, R).map((p) => p.key),
        truth.map((p) => p.key),
      )
      if (local.slice(0, R).some((p, k) => p.key !== truth[k]!.key)) wrongLocally++
    }
  }
  assert.ok(checked > 25, `most random items are far from a vault of 200 (${checked})`)
  assert.ok(wrongLocally > 10, `the links alone would have named the wrong group (${wrongLocally})`)
})

test('the largest XOR distance below a bound is found exactly (checked against every candidate)', () => {
  for (let a = 0n; a < 64n; a++)
    for (let r = 0n; r < 64n; r++) {
      let best = -1n
      for (let y = 0n; y < r; y++) if ((a ^ y) > best) best = a ^ y
      assert.equal(largestXorBelow(a, r), best, `a=${a} r=${r}`)
    }
  // XOR is no ultrametric in value: both 4 and 3 are within 4 of the origin, 4 ⊕ 3 is 7
  assert.equal(largestXorBelow(4n, 4n), 7n)
})
