// Churn on a real multi-process loopback network: killed, frozen and shrinking vaults.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import { connectClient } from '../../../main/core/net/client.ts'
import { auditNetwork } from '../../../main/core/replication/network-audit.ts'
import { Testnet } from '../../../main/core/testnet/testnet.ts'
import type { NodeEvent } from '../../../main/core/testnet/testnet.ts'
import { MIN_CAPACITY } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { holdersOf, startNodes, waitFor } from '../net/support.ts'

test('a killed vault is noticed at once and its chunks are restored to four copies; a frozen one is noticed by heartbeat', async (t) => {
  const events: NodeEvent[] = []
  // after-hooks run in the order they are registered: the nodes must stop before their directory goes
  const started: Testnet[] = []
  t.after(() => Promise.all(started.map((n) => n.stop())))
  const dir = await tempDir(t)
  const net = await Testnet.start({
    nodes: 6,
    dir,
    // the client is a bare host with no account: the vaults store without tickets
    freeStorage: true,
    auditMs: 2000,
    // the default heartbeat: a frozen vault is dropped after three unanswered ones (6–8 s); a
    // busy machine only delays an answer, which clears the misses when it comes
    heartbeatMs: 2000,
    onEvent: (e) => events.push(e),
  })
  started.push(net)
  const client = await connectClient({ bootstrap: net.bootstrap })
  t.after(() => client.stop())
  // bounds are generous: on a loaded machine (CI runs two test files at once) repair is slower, not wrong
  await waitFor(() => client.peers.size === 6, 60_000, 'the client to know every vault')
  for (let i = 0; i < 24; i++) {
    const bytes = randomBytes(20_000 + i * 1000)
    assert.equal((await client.store.putWithResult(chunkAddress(bytes), bytes)).copies, 4)
  }
  const audit = () => auditNetwork(client.peers.list(), client.ask, 4)
  assert.deepEqual(await audit(), {
    vaults: 6,
    chunks: 24,
    min_copies: 4,
    under_replicated: 0,
    unreachable: 0,
  })

  const victim = net.nodes[1]!
  victim.process.kill('SIGKILL')
  await waitFor(
    () => events.some((e) => e.event === 'peer-lost' && e.peer === victim.peerId),
    30_000,
    'kill noticed',
  )
  await waitFor(async () => client.peers.size === 5, 60_000, 'client sees the loss')
  await waitFor(
    async () => {
      const report = await audit()
      return report.chunks === 24 && report.min_copies >= 4
    },
    60_000,
    'four copies restored',
  )

  const frozen = net.nodes[2]!
  frozen.process.kill('SIGSTOP')
  t.after(() => frozen.process.kill('SIGCONT'))
  const frozenAt = Date.now()
  await waitFor(
    () => events.some((e) => e.event === 'peer-lost' && e.peer === frozen.peerId),
    // 3 heartbeats of 2 s, then a redial that a stopped process never answers; the rest is load
    90_000,
    'freeze noticed',
  )
  t.diagnostic(`freeze noticed after ${Date.now() - frozenAt} ms`)
})

test('a vault that lowers its donation hands chunks to others before deleting them', async (t) => {
  const nodes = await startNodes(t, 6)
  const addresses: Uint8Array[] = []
  for (let i = 0; i < 12; i++) {
    const bytes = randomBytes(200_000)
    addresses.push(chunkAddress(bytes))
    await nodes[0]!.network.put(chunkAddress(bytes), bytes)
  }
  const shrinking = nodes[1]!
  const before = shrinking.vault.stats().chunks
  assert.ok(before > 0)
  const { excess, moved } = await shrinking.setCapacity(MIN_CAPACITY)
  assert.equal(excess, 0)
  assert.ok(moved > 0)
  assert.ok(shrinking.vault.stats().chunks < before)
  let handedOff = 0
  for (const address of addresses) {
    const holders = await holdersOf(nodes, address)
    if (holders.includes(shrinking)) {
      assert.ok(holders.length >= 4)
    } else {
      handedOff++
      assert.ok(holders.length >= 4, `a handed-off chunk has only ${holders.length} copies`)
    }
  }
  assert.ok(handedOff > 0)
})

test('a vault that leaves gracefully first hands every chunk to the vaults that remain', async (t) => {
  const nodes = await startNodes(t, 6)
  const addresses: Uint8Array[] = []
  for (let i = 0; i < 10; i++) {
    const bytes = randomBytes(50_000)
    addresses.push(chunkAddress(bytes))
    await nodes[0]!.network.put(chunkAddress(bytes), bytes)
  }
  const leaving = nodes[2]!
  assert.ok(leaving.vault.stats().chunks > 0)
  await leaving.stop({ handOff: true })
  const remaining = nodes.filter((n) => n !== leaving)
  for (const address of addresses) {
    assert.ok((await holdersOf(remaining, address)).length >= 4)
  }
})
