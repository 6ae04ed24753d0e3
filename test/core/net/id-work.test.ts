// "Chosen places": peer ids cost nothing, so a vault could make keys until one
// lands next to any address it likes. Where the network asks its vaults' ids
// to carry work, an id ground for its place without the work is no vault to
// anyone: the chunk whose place it chose is stored on honest vaults, and it
// holds nothing. Without the work the same id takes the place it chose.
import assert from 'node:assert/strict'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import { hasIdWork, idWorkOf, keyWithWork } from '../../../main/core/net/id-work.ts'
import { loadOrCreateKey } from '../../../main/core/net/identity.ts'
import { PeerDriveNode } from '../../../main/core/node/index.ts'
import { compareDistance, kadKey } from '../../../main/core/placement/index.ts'
import { tempDir } from '../../helpers.ts'
import { startNodes, waitFor } from './support.ts'

const WORK = 6

test("an id's work is the zero bits its work hash begins with", async () => {
  for (let i = 0; i < 50; i++) {
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const digest = createHash('sha256').update('peerdrive/id-work/v1').update(id.toMultihash().bytes).digest()
    const bits = [...digest].map((b) => b.toString(2).padStart(8, '0')).join('')
    assert.equal(idWorkOf(id), bits.indexOf('1'))
    assert.ok(hasIdWork(id, 0), 'no work asked: every id passes')
    assert.ok(hasIdWork(id, undefined), 'an option left out asks no work either')
  }
  const worked = peerIdFromPrivateKey(await keyWithWork(10))
  assert.ok(idWorkOf(worked) >= 10)
})

test('a kept identity without the work is replaced once, and the old key is kept beside it', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'identity.key')
  const lines: string[] = []
  let plain = await generateKeyPair('Ed25519')
  while (hasIdWork(peerIdFromPrivateKey(plain), WORK)) plain = await generateKeyPair('Ed25519')
  await writeFile(path, privateKeyToProtobuf(plain))
  // no work asked: the kept key stays
  assert.ok((await loadOrCreateKey(path, 0)).equals(plain))
  const worked = await loadOrCreateKey(path, WORK, (l) => lines.push(l))
  assert.ok(hasIdWork(peerIdFromPrivateKey(worked), WORK))
  assert.ok(!worked.equals(plain))
  assert.deepEqual(await readFile(`${path}.without-work`), Buffer.from(privateKeyToProtobuf(plain)))
  assert.match(lines[0] ?? '', /carries less work than the network asks \(6 bits\)/)
  // and from then on it is the one kept
  assert.ok((await loadOrCreateKey(path, WORK)).equals(worked))
})

/**
 * Eight vaults, then a ninth whose id was ground (without work) to be closer
 * to a chunk's address than any of them; an honest vault stores the chunk.
 */
async function groundNextToAChunk(t: TestContext, workBits: number) {
  const nodes = await startNodes(t, 8, { idWorkBits: workBits })
  const bytes = randomBytes(32 * 1024)
  const address = chunkAddress(bytes)
  const target = kadKey(address)
  const honest = nodes.map((n) => n.peers.self.kadId)
  let key = await generateKeyPair('Ed25519')
  for (;;) {
    const id = peerIdFromPrivateKey(key)
    const place = kadKey(id.toMultihash().bytes)
    if (!hasIdWork(id, WORK) && honest.every((h) => compareDistance(target, place, h) < 0)) break
    key = await generateKeyPair('Ed25519')
  }
  // a vault made alone, its identity then swapped for the ground one; it asks no work of itself
  const options = { vaultDir: join(await tempDir(t), 'ground'), capacity: 64 * 2 ** 20, heartbeatMs: 10_000 }
  await (await PeerDriveNode.start(options)).stop()
  await writeFile(join(options.vaultDir, 'identity.key'), privateKeyToProtobuf(key))
  // it joins through the first vault
  const ground = await PeerDriveNode.start({ ...options, bootstrap: nodes[0]!.multiaddrs() })
  t.after(() => ground.stop())
  const groundKey = ground.peers.self.key
  // the honest vaults have met it: connected, and identify has told them what it serves
  await waitFor(
    () => nodes.filter((n) => n.host.getConnections(ground.host.peerId).length > 0).length >= 4,
    60_000,
    'the ground vault to meet the others',
  )
  await waitFor(() => ground.peers.size >= 4, 60_000, 'the ground vault to know the vaults')
  return { nodes, ground, groundKey, address, bytes }
}

test('where ids carry work, an id ground next to a chunk without it is no vault: the chunk is stored around it', async (t) => {
  const { nodes, ground, groundKey, address, bytes } = await groundNextToAChunk(t, WORK)
  // identify has run on every link to it (its protocols are in the peer store), and still no one counts it
  await waitFor(
    async () =>
      (
        await Promise.all(
          nodes.map((n) =>
            n.host.peerStore.get(ground.host.peerId).then(
              (p) => p.protocols.length > 0,
              () => false,
            ),
          ),
        )
      ).filter(Boolean).length >= 4,
    60_000,
    "identify to tell the vaults the ground vault's protocols",
  )
  for (const n of nodes) assert.equal(n.peers.has(groundKey), false, 'no vault counts it among its peers')
  const writer = nodes[7]!
  const group = await writer.trusted.closest!(address, 4)
  assert.ok(!group.some((p) => p.key === groundKey), 'the chunk’s group, looked up, leaves it out')
  assert.equal(await writer.network.putCopies(address, bytes), 4)
  assert.equal(await ground.vault.has(address), false, 'the place it chose holds nothing')
  const holders = await Promise.all(nodes.map((n) => n.vault.has(address)))
  assert.ok(holders.filter(Boolean).length >= 4, 'four honest vaults hold the chunk')
})

test('without the work, the same ground id takes the place it chose (what the work prevents)', async (t) => {
  const { nodes, ground, groundKey, address, bytes } = await groundNextToAChunk(t, 0)
  await waitFor(
    () => nodes.filter((n) => n.peers.has(groundKey)).length >= 4,
    60_000,
    'the vaults to count the ground vault',
  )
  // a vault that counts it (one not linked to it ranks the vaults it knows of)
  const writer = nodes.find((n) => n.peers.has(groundKey))!
  await waitFor(
    async () => {
      writer.trusted.relook?.(address)
      return (await writer.trusted.closest!(address, 4))[0]?.key === groundKey
    },
    60_000,
    'the ground vault at the head of the chunk’s group',
  )
  assert.equal(await writer.network.putCopies(address, bytes), 4)
  assert.equal(await ground.vault.has(address), true, 'and holds the chunk whose place it chose')
})
