// Real libp2p vault nodes on loopback: placement, fallback and hostile input.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import { CHUNK_PROTOCOL, requestChunk } from '../../../main/core/net/chunk-protocol.ts'
import { createHost } from '../../../main/core/net/host.ts'
import { decodeResponse, encodeRequest } from '../../../main/core/net/messages.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { MIN_CAPACITY } from '../../../main/core/vault/index.ts'
import { holdersOf, startNodes, waitFor } from './support.ts'

test('every chunk is stored on the four vaults closest to it besides the writer and survives the loss of three holders', async (t) => {
  const nodes = await startNodes(t, 7)
  const writer = nodes[0]!
  const chunks = Array.from({ length: 10 }, (_, i) => randomBytes(1000 + i * 5000))
  for (const bytes of chunks) {
    const address = chunkAddress(bytes)
    const result = await writer.network.putWithResult(address, bytes)
    assert.equal(result.copies, 4)
    const holders = await holdersOf(nodes, address)
    // the writer's own copy, kept when it is in the close group, is one more and never one of the four
    const writerInGroup = closeGroup(address, writer.peers.withSelf(), 4).includes(writer.peers.self)
    assert.equal(result.selfHolds, writerInGroup)
    const expected = [
      ...closeGroup(address, writer.peers.list(), 4),
      ...(writerInGroup ? [writer.peers.self] : []),
    ]
    assert.deepEqual(holders.map((n) => n.peers.self.key).sort(), expected.map((p) => p.key).sort())
  }
  // Stop three holders of the first chunk (not the reader): the fourth still serves it.
  const address = chunkAddress(chunks[0]!)
  const reader = nodes.find(
    (n) => !closeGroup(address, nodes[0]!.peers.withSelf(), 4).some((p) => p.key === n.peers.self.key),
  )!
  const doomed = (await holdersOf(nodes, address)).slice(0, 3)
  for (const node of doomed) await node.host.stop()
  const got = await reader.network.get(address)
  assert.ok(Buffer.from(got).equals(chunks[0]!))
})

test('a full vault declines and the chunk goes to the next closest vault', async (t) => {
  const nodes = await startNodes(t, 6)
  const bytes = randomBytes(2 ** 20)
  const address = chunkAddress(bytes)
  const group = closeGroup(address, nodes[0]!.peers.list(), 4)
  const full = nodes.find((n) => n.peers.self.key === group[0]!.key)!
  full.vault.setCapacity(MIN_CAPACITY)
  const result = await nodes[0]!.network.putWithResult(address, bytes)
  assert.equal(result.copies, 4)
  const holders = await holdersOf(nodes.slice(1), address)
  assert.equal(holders.length, 4)
  assert.ok(!holders.includes(full))
})

test('a chunk whose bytes do not match its address is refused', async (t) => {
  const nodes = await startNodes(t, 2)
  const peer = nodes[1]!.peers.list()[0]!
  const res = await requestChunk(nodes[1]!.host, peer.id, {
    type: 'put',
    address: randomBytes(32),
    bytes: randomBytes(100),
  })
  assert.equal(res.status, 'bad-hash')
  assert.equal(nodes[0]!.vault.stats().chunks, 0)
})

function varint(n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

test('garbage, oversized and silent requests reset the stream, count against the peer, and the node keeps serving', async (t) => {
  // long enough that a busy machine still gets the honest request in on time; the silent one costs this much
  const [vault] = await startNodes(t, 1, { requestTimeoutMs: 2_000 })
  const attacker = await createHost({ privateKey: await generateKeyPair('Ed25519') })
  t.after(() => attacker.stop())
  const target = multiaddr(vault!.multiaddrs()[0]!)
  const conn = await attacker.dial(target)
  const open = () => attacker.dialProtocol(target, CHUNK_PROTOCOL)
  // the vault resets each bad stream itself; the deadline only keeps a broken vault from hanging the test
  const answerOf = async (stream: Awaited<ReturnType<typeof open>>) =>
    lpStream(stream).read({ signal: AbortSignal.timeout(30_000) })

  const garbage = await open()
  await lpStream(garbage).write(Uint8Array.of(99, 1, 2, 3))
  await assert.rejects(answerOf(garbage))

  const oversized = await open()
  oversized.send(varint(50 * 2 ** 20))
  oversized.send(randomBytes(4096))
  await assert.rejects(answerOf(oversized))

  const silent = await open()
  await assert.rejects(answerOf(silent))

  assert.equal(
    vault!.scores.strikesOf(conn.remotePeer.toString()),
    0,
    'strikes are kept against the attacker, not the vault',
  )
  await waitFor(() => vault!.scores.strikesOf(attacker.peerId.toString()) >= 3, 30_000, 'three strikes')
  assert.equal(vault!.scores.strikesOf(attacker.peerId.toString()), 3)

  // The vault still serves an honest request.
  const bytes = randomBytes(2048)
  const honest = await open()
  const lp = lpStream(honest)
  await lp.write(encodeRequest({ type: 'put', address: chunkAddress(bytes), bytes }))
  assert.deepEqual(decodeResponse((await lp.read()).subarray()), { status: 'ok' })
  await waitFor(async () => vault!.vault.has(chunkAddress(bytes)), 30_000, 'stored chunk')
})
