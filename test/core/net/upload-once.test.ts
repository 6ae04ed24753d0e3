// Upload once: a client sends each chunk to one member of its close group,
// which places the other copies. Real vault nodes and a real client on loopback.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import { CHUNK_PROTOCOL, requestChunk } from '../../../main/core/net/chunk-protocol.ts'
import { connectClient } from '../../../main/core/net/client.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { holdersOf, knowsEvery, startNodes } from './support.ts'

test('a client sends each chunk once and four vaults besides it hold every chunk', async (t) => {
  const nodes = await startNodes(t, 7)
  const client = await connectClient({ bootstrap: nodes[0]!.multiaddrs() })
  t.after(() => client.stop())
  await knowsEvery(client, nodes)
  for (let i = 0; i < 10; i++) {
    const bytes = randomBytes(256 * 1024 + i)
    const address = chunkAddress(bytes)
    assert.equal(await client.store.putCopies(address, bytes), 4)
    assert.ok((await holdersOf(nodes, address)).length >= 4, 'four vaults hold it')
  }
  const ratio = client.store.uploadedBytes / client.store.putBytes
  t.diagnostic(`client_upload_ratio ${ratio.toFixed(3)}`)
  assert.ok(ratio <= 1.1, `the client sent ${ratio.toFixed(2)}× the chunk bytes`)
  assert.equal(client.store.degraded, 0)
})

test('when the closest member fails, the next one places the copies and they are counted once', async (t) => {
  const nodes = await startNodes(t, 7)
  const client = await connectClient({ bootstrap: nodes[0]!.multiaddrs() })
  t.after(() => client.stop())
  await knowsEvery(client, nodes)
  const bytes = randomBytes(300_000)
  const address = chunkAddress(bytes)
  const closest = closeGroup(address, client.peers.list(), 4)[0]!
  const broken = nodes.find((n) => n.peers.self.key === closest.key)!
  await broken.host.unhandle(CHUNK_PROTOCOL)
  assert.equal(await client.store.putCopies(address, bytes), 4)
  const holders = await holdersOf(nodes, address)
  assert.ok(!holders.includes(broken))
  assert.ok(holders.length >= 4)
  // one failed attempt, then once more; copies the second entry's group could not place go directly
  t.diagnostic(`sent ${(client.store.uploadedBytes / bytes.length).toFixed(1)}× the chunk`)
  assert.ok(client.store.uploadedBytes < 4 * bytes.length, 'less than a copy to each member')
})

test('a vault places copies only as a member of the group, only of matching bytes, and at most R', async (t) => {
  const nodes = await startNodes(t, 7)
  const sender = nodes[0]!
  const bytes = randomBytes(100_000)
  const address = chunkAddress(bytes)
  const others = nodes.slice(1)
  const ranked = closeGroup(
    address,
    others.map((n) => n.peers.self),
    others.length,
  )
  const ask = (key: string, req: Parameters<typeof requestChunk>[2]) =>
    requestChunk(sender.host, peerIdFromString(key), req)

  const forged = await ask(ranked[0]!.key, { type: 'replicate', address, bytes: randomBytes(10), copies: 4 })
  assert.equal(forged.status, 'bad-hash', 'bytes that do not hash to the address are refused')
  assert.equal((await holdersOf(nodes, address)).length, 0)

  const greedy = await ask(ranked[0]!.key, { type: 'replicate', address, bytes, copies: 16 })
  assert.equal(greedy.status, 'ok')
  assert.ok(greedy.status === 'ok' && greedy.copies === 4, 'no more than R copies, whatever is asked')
  const holders = await holdersOf(nodes, address)
  assert.equal(holders.length, 4)
  assert.ok(!holders.includes(sender), 'none on the sender')
})
