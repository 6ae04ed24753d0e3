// What an audit finds other vaults holding: per vault, the bytes of the chunks
// held here that it says it holds too, counted over one whole audit.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import type { Request, Response } from '../../../main/core/net/messages.ts'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import { kadKey } from '../../../main/core/placement/index.ts'
import { HoldingsTally } from '../../../main/core/replication/holdings.ts'
import { Repairer } from '../../../main/core/replication/repairer.ts'

test('a tally counts only within an audit, and a stopped audit leaves the last whole one standing', () => {
  const tally = new HoldingsTally()
  tally.add(['a'], 100)
  assert.equal(tally.heldBy('a'), 0, 'nothing is counted outside an audit')
  tally.begin()
  tally.add(['a', 'b'], 100)
  tally.add(['a'], 50)
  assert.equal(tally.heldBy('a'), 0, 'an audit under way is not read')
  tally.end()
  assert.equal(tally.heldBy('a'), 150)
  assert.equal(tally.heldBy('b'), 100)
  tally.begin()
  tally.add(['b'], 7)
  tally.abandon()
  assert.equal(tally.heldBy('a'), 150, 'the last whole audit stands')
  tally.begin()
  tally.add(['b'], 7)
  tally.end()
  assert.equal(tally.heldBy('a'), 0, 'a whole audit replaces the last')
  assert.equal(tally.heldBy('b'), 7)
})

test("an audit counts each chunk's size for the members that say they hold it", async () => {
  // four vaults: every chunk's group is all of them; v1 holds every chunk, v2 the first, v3 none
  const world = ['v0', 'v1', 'v2', 'v3'].map(
    (key) => ({ key, kadId: kadKey(randomBytes(32)) }) as unknown as VaultPeer,
  )
  const chunks = [1000, 2000, 3000].map((n) => randomBytes(n))
  const addresses = chunks.map((c) => chunkAddress(c))
  const sizes = new Map(chunks.map((c, i) => [toHex(addresses[i]!), c.length]))
  const holds = (peer: string, address: Uint8Array) =>
    peer === 'v1' || (peer === 'v2' && toHex(address) === toHex(addresses[0]!))
  const ask = async (peer: VaultPeer, req: Request): Promise<Response> => {
    if (req.type === 'has')
      return holds(peer.key, req.address) ? { status: 'ok' } : { status: 'not-found', reason: 'not held' }
    if (req.type === 'put') return { status: 'ok' }
    return { status: 'bad-request', reason: 'not served here' }
  }
  const holdings = new HoldingsTally()
  const repairer = new Repairer(
    {
      peers: { self: world[0]!, withSelf: () => world },
      vault: {
        addresses: () => addresses,
        get: async (a) => chunks[addresses.findIndex((x) => toHex(x) === toHex(a))]!,
        delete: async () => false,
        sizeOf: (a) => sizes.get(toHex(a)),
      },
      ask,
      holdings,
    },
    { replicas: 4 },
  )
  await repairer.audit()
  assert.equal(holdings.heldBy('v1'), 6000)
  assert.equal(holdings.heldBy('v2'), 1000)
  assert.equal(holdings.heldBy('v3'), 0)
  assert.equal(holdings.heldBy('v0'), 0, 'this vault is not counted')
  // a repair after a loss is no audit: it counts nothing
  await repairer.afterLoss(world[3]!)
  assert.equal(holdings.heldBy('v1'), 6000)
})
