// "Free storage for anyone", tried on real loopback vaults: a client PUTs
// chunks straight to a vault far from their addresses. The vault refuses
// them with the reason and keeps nothing; the same chunks stored the honest
// way land on their close group, and a chunk the vault's group owns is kept.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import { requestChunk } from '../../../main/core/net/chunk-protocol.ts'
import { NOT_IN_GROUP, RECORD_NOT_IN_GROUP } from '../../../main/core/net/put-guard.ts'
import { requestRecord } from '../../../main/core/net/record-protocol.ts'
import { OwnerKey, addressOf, signRecord } from '../../../main/core/records/index.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { startNodes } from './support.ts'

/** A chunk whose address puts `vault`, by its own view and without the sender, at `want` in its ranking. */
function chunkRanked(vault: PeerDriveNode, sender: PeerDriveNode, want: (position: number) => boolean) {
  for (;;) {
    const bytes = randomBytes(16 * 1024)
    const address = chunkAddress(bytes)
    const ranked = closestFirst(kadKey(address), vault.peers.withSelf()).filter(
      (p) => p.key !== sender.peers.self.key,
    )
    if (want(ranked.findIndex((p) => p.key === vault.peers.self.key))) return { address, bytes }
  }
}

test('a vault refuses a PUT of a chunk whose close group it is not in, and keeps one placed on it', async (t) => {
  // ten: with the sender left out, nine rank for each address, and the last is beyond 2R = 8
  const nodes = await startNodes(t, 10)
  const [vault, client] = [nodes[0]!, nodes[9]!]
  const target = client.peers.list().find((p) => p.key === vault.peers.self.key)!

  for (let i = 0; i < 3; i++) {
    // the farthest vault of all from the chunk: no view of the group, however stale, puts it within 2R
    const far = chunkRanked(vault, client, (position) => position === nodes.length - 2)
    const res = await requestChunk(client.host, target.id, { type: 'put', ...far })
    assert.deepEqual(res, { status: 'bad-request', reason: NOT_IN_GROUP })
    assert.equal(await vault.vault.has(far.address), false, 'nothing kept')

    // stored the honest way, the same chunk reaches its group, never the far vault
    assert.equal(await client.network.putCopies(far.address, far.bytes), 4)
    assert.equal(await vault.vault.has(far.address), false)
  }

  const near = chunkRanked(vault, client, (position) => position === 0)
  assert.deepEqual(await requestChunk(client.host, target.id, { type: 'put', ...near }), { status: 'ok' })
  assert.equal(await vault.vault.has(near.address), true)
  // a copy already held is accepted again whatever the view: it costs nothing
  assert.deepEqual(await requestChunk(client.host, target.id, { type: 'put', ...near }), { status: 'ok' })
})

/** A record under a throwaway key whose address puts `vault` at `want` in its ranking, without the sender. */
function recordRanked(vault: PeerDriveNode, sender: PeerDriveNode, want: (position: number) => boolean) {
  for (;;) {
    const record = signRecord(OwnerKey.generate(), { name: 'free', version: 1n, payload: randomBytes(4096) })
    const address = addressOf(record)
    const ranked = closestFirst(kadKey(address), vault.peers.withSelf()).filter(
      (p) => p.key !== sender.peers.self.key,
    )
    if (want(ranked.findIndex((p) => p.key === vault.peers.self.key))) return { address, record }
  }
}

test('a vault refuses a record whose close group it is not in, and keeps one placed on it', async (t) => {
  const nodes = await startNodes(t, 10)
  const [vault, client] = [nodes[0]!, nodes[9]!]
  const target = client.peers.list().find((p) => p.key === vault.peers.self.key)!
  const put = (r: ReturnType<typeof recordRanked>) =>
    requestRecord(client.host, target.id, { type: 'record-put', ...r })

  for (let i = 0; i < 3; i++) {
    const far = recordRanked(vault, client, (position) => position === nodes.length - 2)
    assert.deepEqual(await put(far), { status: 'bad-request', reason: RECORD_NOT_IN_GROUP })
    assert.equal(await vault.vault.getRecord(far.address), undefined, 'nothing kept')
    // stored the honest way, it reaches its group and never the far vault
    await client.records.put(far.record)
    assert.equal(await vault.vault.getRecord(far.address), undefined)
    assert.ok(await client.records.get(far.address))
  }
  const near = recordRanked(vault, client, (position) => position === 0)
  assert.deepEqual(await put(near), { status: 'ok' })
  assert.ok(await vault.vault.getRecord(near.address))
})
