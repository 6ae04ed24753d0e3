// Close groups found by lookups, not by knowing every vault: the in-memory
// twin's ranking, and real nodes on loopback that keep only their neighbours.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import type { VaultPeer } from '../../../main/core/net/peer-table.ts'
import { KnownRouter, closestTo } from '../../../main/core/net/router.ts'
import { loadOrCreateKey } from '../../../main/core/net/identity.ts'
import { vaultPeer } from '../../../main/core/net/peer-table.ts'
import { PeerDriveNode } from '../../../main/core/node/index.ts'
import type { NodeOptions } from '../../../main/core/node/index.ts'
import { closeGroup, closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { Vault } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { holdersOf, waitFor } from './support.ts'

const R = 4

function fakePeers(count: number): VaultPeer[] {
  return Array.from({ length: count }, (_, i) => ({
    id: undefined as unknown as VaultPeer['id'], // never dialled
    key: `peer-${i}`,
    kadId: randomBytes(32),
  }))
}

test('the in-memory router ranks by XOR distance, as a close group does', async () => {
  const peers = fakePeers(40)
  const router = new KnownRouter(() => peers)
  for (let i = 0; i < 20; i++) {
    const address = randomBytes(32)
    const found = await router.closestPeers(address, R)
    assert.deepEqual(found, closeGroup(address, peers, R))
    assert.deepEqual(await router.closestPeers(address), closestFirst(kadKey(address), peers))
  }
  // a store without a router ranks what it knows; with one, it asks the router
  const address = randomBytes(32)
  const known = peers.slice(0, 5)
  assert.deepEqual(await closestTo({ withSelf: () => known }, address, 2), closeGroup(address, known, 2))
  const routed = {
    withSelf: () => known,
    closest: (key: Uint8Array, n?: number) => router.closestPeers(key, n),
  }
  assert.deepEqual(await closestTo(routed, address, R), closeGroup(address, peers, R))
})

/** `count` vaults that each bootstrap from the first, keeping only `neighbours` links. */
async function startRouted(t: TestContext, count: number, opts: Partial<NodeOptions> = {}) {
  const nodes: PeerDriveNode[] = []
  t.after(() => Promise.all(nodes.map((n) => n.stop().catch(() => {}))))
  const dir = await tempDir(t)
  const start = (i: number, bootstrap: string[]) =>
    PeerDriveNode.start({
      vaultDir: join(dir, `v${i}`),
      capacity: 64 * 2 ** 20,
      bootstrap,
      neighbours: 4,
      idleLinkMs: 1_500,
      auditIntervalMs: 3_000,
      ...opts,
    })
  nodes.push(await start(0, []))
  const boot = nodes[0]!.multiaddrs()
  for (let i = 1; i < count; i++) nodes.push(await start(i, boot))
  return nodes
}

/** The `n` live vaults closest to `key` besides `except`, by everyone's ids. */
function truth(nodes: PeerDriveNode[], key: Uint8Array, n: number, except?: PeerDriveNode): string[] {
  const all = nodes.filter((x) => x !== except).map((x) => x.peers.self)
  return closestFirst(kadKey(key), all)
    .slice(0, n)
    .map((p) => p.key)
}

test('vaults that keep links to their neighbours find every close group by lookup, store on it, and repair it after a loss', async (t) => {
  // twelve vaults share this process's event loop: on a loaded machine a lookup cut off at the
  // default 5 s answers with a part of the group every time, and lookups must find whole groups here
  const nodes = await startRouted(t, 12, { lookupTimeoutMs: 30_000 })
  const keys = Array.from({ length: 6 }, () => randomBytes(32))
  // every node finds the true close group of every key, though none is connected to all
  await waitFor(
    async () => {
      for (const node of nodes)
        for (const key of keys) {
          const found = (await node.router.closestPeers(key, R)).map((p) => p.key)
          if (found.join() !== truth(nodes, key, R).join()) return false
        }
      return true
    },
    240_000,
    'lookups that agree with the true close groups',
  )
  t.diagnostic(`links per node: ${nodes.map((n) => n.peers.size).join(' ')} of ${nodes.length - 1}`)

  // a PUT from one node lands on the R vaults closest to the chunk besides the writer
  const writer = nodes[5]!
  const bytes = randomBytes(50_000)
  const address = chunkAddress(bytes)
  // on a loaded machine every ask of one attempt can time out; the drive tries a degraded
  // upload again, and so does this test
  let result = await writer.network.putWithResult(address, bytes)
  const firstCopies = result.copies
  await waitFor(
    async () =>
      result.copies === R || (result = await writer.network.putWithResult(address, bytes)).copies === R,
    240_000,
    'a PUT that reaches R vaults',
  )
  t.diagnostic(`copies after the first attempt: ${firstCopies}`)
  assert.equal(result.copies, R)
  assert.deepEqual(result.holders.map((p) => p.key).sort(), truth(nodes, address, R, writer).sort())
  const reader = nodes.find((n) => n !== writer && !result.holders.some((p) => p.key === n.peers.self.key))!
  assert.ok(Buffer.from(await reader.network.get(address)).equals(bytes))

  // a holder dies: its neighbours notice (their kept links close) and the group is R again
  const doomedKey = result.holders[0]!.key
  const doomed = nodes.find((n) => n.peers.self.key === doomedKey)!
  const live = nodes.filter((n) => n !== doomed)
  await doomed.stop()
  await waitFor(
    async () => (await holdersOf(live, address)).length >= R,
    240_000,
    'R copies among the live vaults again',
  )
  assert.ok(Buffer.from(await reader.network.get(address)).equals(bytes))
})

test('a vault that joins is handed the chunks it is now closest to', async (t) => {
  const nodes = await startRouted(t, 8)
  const dir = await tempDir(t)
  // the newcomer's identity is made first, so that the chunks can be chosen to include some it
  // will be owed and some it will not: the test cannot pass by having nothing to hand over
  const lateDir = join(dir, 'late')
  await (await Vault.open(lateDir)).close()
  const latePeer = vaultPeer(peerIdFromPrivateKey(await loadOrCreateKey(join(lateDir, 'identity.key'))))
  const before = nodes.map((n) => n.peers.self)
  // the writer is the vault farthest from the newcomer: were they nearest each other, every group
  // the newcomer joins would hold the writer too, and no chunk could be owed to it
  const farthest = closestFirst(latePeer.kadId, before).at(-1)!
  const writer = nodes.find((n) => n.peers.self.key === farthest.key)!
  const inGroup = (address: Uint8Array, peers: VaultPeer[], peer: VaultPeer) =>
    closeGroup(address, peers, R).some((p) => p.key === peer.key)
  const owedTo = (address: Uint8Array) => inGroup(address, [...before, latePeer], latePeer)
  const owed: Uint8Array[] = []
  const notOwed: Uint8Array[] = []
  for (let tries = 0; owed.length < 4 || notOwed.length < 4; tries++) {
    assert.ok(tries < 100_000, `no chunk owed to the newcomer in ${tries} tries (${owed.length} owed)`)
    const bytes = randomBytes(4_000)
    const address = chunkAddress(bytes)
    // a writer in the group keeps a copy of its own besides R others, and the group is then
    // not the one the newcomer joins: such chunks are left out
    if (inGroup(address, before, writer.peers.self)) continue
    const list = owedTo(address) ? owed : notOwed
    if (list.length >= 4) continue
    list.push(address)
    // on a loaded machine every ask of one attempt can time out; the drive tries a degraded
    // upload again, and so does this test, so that the group holds it before the newcomer joins
    await waitFor(
      async () => (await writer.network.putCopies(address, bytes).catch(() => 0)) === R,
      240_000,
      'a PUT that reaches R vaults',
    )
  }

  const late = await PeerDriveNode.start({
    vaultDir: lateDir,
    capacity: 64 * 2 ** 20,
    bootstrap: nodes[1]!.multiaddrs(),
    neighbours: 4,
    idleLinkMs: 1_500,
    auditIntervalMs: 3_000,
  })
  t.after(() => late.stop().catch(() => {}))
  assert.equal(late.peers.self.key, latePeer.key)
  const held = async () => (await Promise.all(owed.map((a) => late.vault.has(a)))).filter(Boolean).length
  try {
    // generous: on a loaded machine the newcomer's lookups and its neighbours' audits are slow, not wrong
    await waitFor(async () => (await held()) === owed.length, 240_000, 'the newcomer holding its chunks')
  } catch (err) {
    t.diagnostic(`held ${await held()} of ${owed.length}; links ${late.peers.size}`)
    throw err
  }
})
