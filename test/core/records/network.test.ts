// Records on a real loopback network of vault nodes: placement, versions,
// refusals by every holder, survival of R−1 losses, repair and read repair.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { connectClient } from '../../../main/core/net/client.ts'
import { createHost } from '../../../main/core/net/host.ts'
import { RECORD_PROTOCOL, requestRecord } from '../../../main/core/net/record-protocol.ts'
import { decodeRecordResponse, encodeRecordRequest } from '../../../main/core/net/record-messages.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { OwnerKey, addressOf, signRecord } from '../../../main/core/records/index.ts'
import type { SignedRecord } from '../../../main/core/records/index.ts'
import { knowsEvery, startNodes, waitFor } from '../net/support.ts'

const keyOf = (node: PeerDriveNode) => node.peers.self.key

async function recordHolders(nodes: PeerDriveNode[], address: Uint8Array): Promise<PeerDriveNode[]> {
  const held = await Promise.all(nodes.map((n) => n.vault.getRecord(address)))
  return nodes.filter((_, i) => held[i])
}

async function versionsHeld(nodes: PeerDriveNode[], address: Uint8Array): Promise<(bigint | undefined)[]> {
  return Promise.all(nodes.map(async (n) => (await n.vault.getRecord(address))?.version))
}

test('put and get from any node and a client; every holder refuses replays and records signed by another key', async (t) => {
  const nodes = await startNodes(t, 6)
  const owner = OwnerKey.generate()
  const v1 = signRecord(owner, { name: 'drive-root', version: 1, payload: randomBytes(500) })
  const address = addressOf(v1)

  assert.equal((await nodes[0]!.records.put(v1)).copies, 4)
  const group = closeGroup(address, nodes[0]!.peers.withSelf(), 4)
  const holders = await recordHolders(nodes, address)
  assert.deepEqual(holders.map(keyOf).sort(), group.map((p) => p.key).sort())
  for (const node of nodes) assert.deepEqual(await node.records.get(address), v1)

  const v2 = signRecord(owner, { name: 'drive-root', version: 2, payload: randomBytes(500) })
  assert.equal((await nodes[3]!.records.put(v2)).copies, 4)
  for (const node of nodes) assert.deepEqual(await node.records.get(address), v2)
  const client = await connectClient({ bootstrap: nodes[0]!.multiaddrs() })
  t.after(() => client.stop())
  await knowsEvery(client, nodes)
  assert.deepEqual(await client.records.get(address), v2)

  // A replay of v1, through the store and straight to each holder, is refused everywhere.
  await assert.rejects(nodes[5]!.records.put(v1), { name: 'RecordStale' })
  await assert.rejects(client.records.put(v1), { name: 'RecordStale' })
  const mallory = OwnerKey.generate()
  const forged: SignedRecord = {
    ...signRecord(mallory, { name: 'drive-root', version: 99, payload: Buffer.from('evil') }),
    owner: owner.publicKey,
  }
  const theirs = signRecord(mallory, { name: 'drive-root', version: 99, payload: Buffer.from('evil') })
  for (const holder of holders) {
    const peer = client.peers.list().find((p) => p.key === keyOf(holder))!
    const ask = (record: SignedRecord) =>
      requestRecord(client.host, peer.id, { type: 'record-put', address, record })
    assert.equal((await ask(v1)).status, 'stale')
    assert.equal((await ask(forged)).status, 'bad-signature')
    assert.equal((await ask(theirs)).status, 'bad-request')
  }
  await assert.rejects(client.records.put(forged), { name: 'RecordBadSignature' })
  assert.deepEqual(await versionsHeld(holders, address), [2n, 2n, 2n, 2n])
  for (const node of nodes) assert.deepEqual(await node.records.get(address), v2)
})

test('a record survives the loss of R−1 holders and its last holder restores R copies', async (t) => {
  const nodes = await startNodes(t, 7, { auditIntervalMs: 3_600_000 })
  const owner = OwnerKey.generate()
  const record = signRecord(owner, { name: 'session', version: 4, payload: randomBytes(2000) })
  const address = addressOf(record)
  assert.equal((await nodes[0]!.records.put(record)).copies, 4)
  const holders = await recordHolders(nodes, address)
  assert.equal(holders.length, 4)
  const doomed = holders.slice(0, 3)
  for (const node of doomed) await node.stop()
  const live = nodes.filter((n) => !doomed.includes(n))
  // generous bounds: on a busy machine noticing and repairing is slower, not wrong
  await waitFor(() => live.every((n) => n.peers.size === live.length - 1), 240_000, 'losses noticed')
  // afterLoss runs on every survivor: the last holder pushes to the new close group
  await waitFor(async () => (await recordHolders(live, address)).length === 4, 240_000, 'four copies again')
  const group = closeGroup(address, live[0]!.peers.withSelf(), 4)
  assert.deepEqual((await recordHolders(live, address)).map(keyOf).sort(), group.map((p) => p.key).sort())
  for (const node of live) assert.deepEqual(await node.records.get(address), record)
  assert.ok(live.some((n) => n.repairer.repairs > 0))
})

test('read repair and audits bring stale or empty holders up to date', async (t) => {
  const nodes = await startNodes(t, 6, { auditIntervalMs: 3_600_000 })
  const owner = OwnerKey.generate()
  const v1 = signRecord(owner, { name: 'coin', version: 1, payload: randomBytes(100) })
  const v2 = signRecord(owner, { name: 'coin', version: 2, payload: randomBytes(100) })
  const address = addressOf(v1)
  await nodes[0]!.records.put(v1)
  const [stale, empty, ...fresh] = await recordHolders(nodes, address)
  // Two holders take v2 behind the network's back; one keeps v1, one loses its copy.
  for (const node of fresh) await node.vault.putRecord(v2)
  await empty!.vault.deleteRecord(address)
  const reader = nodes.find((n) => ![stale, empty, ...fresh].includes(n))!
  assert.deepEqual(await reader.records.get(address), v2)
  await reader.records.settled()
  assert.deepEqual(await versionsHeld([stale!, empty!, ...fresh], address), [2n, 2n, 2n, 2n])
  // the read repaired what it found behind: both, unless the audit a vault runs a second after
  // the network's last join reached one of them first (seen once under load)
  assert.ok(
    reader.records.readRepairs >= 1 && reader.records.readRepairs <= 2,
    `${reader.records.readRepairs}`,
  )

  // An audit does the same without a reader: the holder with v3 pushes it to the group.
  const v3 = signRecord(owner, { name: 'coin', version: 3, payload: randomBytes(100) })
  await fresh[0]!.vault.putRecord(v3)
  await Promise.all(nodes.map((n) => n.audit()))
  assert.deepEqual(await versionsHeld([stale!, empty!, ...fresh], address), [3n, 3n, 3n, 3n])
})

test('a vault that leaves gracefully hands its records to the vaults that remain', async (t) => {
  const nodes = await startNodes(t, 6, { auditIntervalMs: 3_600_000 })
  const owner = OwnerKey.generate()
  const records = Array.from({ length: 8 }, (_, i) => signRecord(owner, { name: `r${i}`, version: i + 1 }))
  // on a loaded machine a put can end with fewer than four copies, and no audit runs here to add
  // them: each record is put again until four vaults hold it, so what the test weighs is the hand-off
  for (const record of records)
    for (let tries = 0; tries < 10 && (await nodes[0]!.records.putCopies(record)) < 4; tries++);
  for (const record of records) assert.ok((await recordHolders(nodes, addressOf(record))).length >= 4)
  const leaving = nodes[2]!
  assert.ok(leaving.vault.stats().records > 0)
  await leaving.stop({ handOff: true })
  const remaining = nodes.filter((n) => n !== leaving)
  for (const record of records) assert.ok((await recordHolders(remaining, addressOf(record))).length >= 4)
})

test('garbage and frames over the record limit reset the stream and count against the sender', async (t) => {
  // long enough that a busy machine still gets the honest request in on time
  const [vault] = await startNodes(t, 1, { requestTimeoutMs: 2_000 })
  const attacker = await createHost({ privateKey: await generateKeyPair('Ed25519') })
  t.after(() => attacker.stop())
  const target = multiaddr(vault!.multiaddrs()[0]!)
  await attacker.dial(target)
  const open = () => attacker.dialProtocol(target, RECORD_PROTOCOL)
  const answerOf = async (stream: Awaited<ReturnType<typeof open>>) =>
    lpStream(stream).read({ signal: AbortSignal.timeout(30_000) })

  const garbage = await open()
  await lpStream(garbage).write(Uint8Array.of(1, ...randomBytes(40)))
  await assert.rejects(answerOf(garbage))
  // a frame a chunk PUT may use is far over the record protocol's limit
  const oversized = await open()
  await assert.rejects(
    lpStream(oversized)
      .write(randomBytes(2 ** 20))
      .then(() => answerOf(oversized)),
  )
  await waitFor(() => vault!.scores.strikesOf(attacker.peerId.toString()) >= 2, 30_000, 'two strikes')
  assert.equal(vault!.scores.strikesOf(attacker.peerId.toString()), 2)

  const owner = OwnerKey.generate()
  const record = signRecord(owner, { name: 'n', version: 1 })
  const honest = await open()
  const lp = lpStream(honest)
  await lp.write(encodeRecordRequest({ type: 'record-put', address: addressOf(record), record }))
  assert.deepEqual(decodeRecordResponse((await lp.read()).subarray()), { status: 'ok' })
  assert.deepEqual(await vault!.vault.getRecord(addressOf(record)), record)
})
