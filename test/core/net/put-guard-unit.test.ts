// The PUT guard's view of a close group, against the truth over every vault:
// a vault that knows only its 2R nearest vaults and a few others still
// answers exactly as full knowledge would, looking the group up only for
// keys far from it (the XOR bound that lets it skip the lookup never lies).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { PeerId } from '@libp2p/interface'
import { inCloseGroup } from '../../../main/core/net/put-guard.ts'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'

const R = 4

function vaults(count: number): VaultPeer[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `vault-${i}`,
    kadId: randomBytes(32),
    id: undefined as unknown as PeerId,
  }))
}

test('the guard agrees with full knowledge of the network, and looks up only keys far from the vault', async (t) => {
  const all = vaults(300)
  const self = all[0]!
  const others = all.slice(1)
  // what a vault keeps links to: its 2R nearest, plus a few it happens to be connected to
  const known = [
    ...new Set([self, ...closestFirst(self.kadId, others).slice(0, 2 * R), ...others.slice(-10)]),
  ]
  let lookups = 0
  const c = {
    self,
    replicas: R,
    peers: {
      withSelf: () => known,
      closest: async (address: Uint8Array, count = Infinity) => {
        lookups++
        return closestFirst(kadKey(address), all).slice(0, count)
      },
    },
    ask: () => Promise.reject(new Error('not used')),
  }
  let inside = 0
  let shortcut = 0
  const rounds = 3000
  for (let i = 0; i < rounds; i++) {
    const address = randomBytes(32)
    const sender = others[i % others.length]!.key
    const ranked = closestFirst(kadKey(address), all).filter((p) => p.key !== sender)
    const truth = ranked.findIndex((p) => p.key === self.key) < 2 * R
    const before = lookups
    assert.equal(await inCloseGroup(c, address, sender), truth, `address ${address.toString('hex')}`)
    if (truth) inside++
    if (truth && lookups === before) shortcut++
  }
  t.diagnostic(`${rounds} keys: ${inside} in the group (${shortcut} without a lookup), ${lookups} lookups`)
  assert.ok(inside > 0, 'some keys fall in the vault’s group')
  assert.ok(shortcut > 0, 'some of them are decided without a lookup')
  assert.ok(lookups < rounds, `a lookup for ${lookups} of ${rounds} keys: most are refused at once`)
})
