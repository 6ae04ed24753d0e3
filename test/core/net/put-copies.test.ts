// "Stored" counts only vaults other than the writer: a copy in the writer's
// own vault is lost with its machine. Real vault nodes on loopback.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { holdersOf, startNodes } from './support.ts'

const inGroup = (writer: PeerDriveNode, address: Uint8Array) =>
  closeGroup(address, writer.peers.withSelf(), 4).some((p) => p.key === writer.peers.self.key)

test('a writer alone in the network stores the chunk in its own vault and counts no copies', async (t) => {
  const [writer] = await startNodes(t, 1)
  const bytes = randomBytes(50_000)
  const address = chunkAddress(bytes)
  assert.equal(await writer!.network.putCopies(address, bytes), 0)
  assert.ok(await writer!.vault.has(address), 'its own vault keeps the only copy')
  assert.equal(writer!.metrics().degradedPuts, 1)
  // put() keeps working for callers that do not look at copies, and counts degraded the same way
  const more = randomBytes(10_000)
  await writer!.network.put(chunkAddress(more), more)
  assert.equal(writer!.metrics().degradedPuts, 2)
})

test('with R other vaults every chunk gets R copies beyond the writer, however close the writer is', async (t) => {
  const nodes = await startNodes(t, 5)
  const writer = nodes[0]!
  const others = nodes.slice(1)
  let writerInGroup = 0
  // with five vaults the writer is in most chunks' close group of four: exactly the case that counted itself
  for (let i = 0; i < 12; i++) {
    const bytes = randomBytes(1000 + i * 3000)
    const address = chunkAddress(bytes)
    assert.equal(await writer.network.putCopies(address, bytes), 4)
    assert.equal((await holdersOf(others, address)).length, 4, 'four vaults besides the writer hold it')
    if (inGroup(writer, address)) {
      writerInGroup++
      assert.ok(await writer.vault.has(address), 'a writer in the close group keeps its copy too')
    }
  }
  assert.ok(writerInGroup > 0, 'some chunks had the writer in their close group')
  assert.equal(writer.metrics().degradedPuts, 0)
})

test('with fewer than R other vaults the count says how many, and the chunk is degraded', async (t) => {
  const nodes = await startNodes(t, 3)
  const bytes = randomBytes(20_000)
  const address = chunkAddress(bytes)
  assert.equal(await nodes[0]!.network.putCopies(address, bytes), 2)
  assert.equal((await holdersOf(nodes.slice(1), address)).length, 2)
  assert.ok(await nodes[0]!.vault.has(address))
  assert.equal(nodes[0]!.metrics().degradedPuts, 1)
})
