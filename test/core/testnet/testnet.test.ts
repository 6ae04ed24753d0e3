// A testnet with several vaults to a process: each vault its own peer, one of
// them killed alone, the manifest in the format scripts read.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { connectClient } from '../../../main/core/net/client.ts'
import { fetchPeerList } from '../../../main/core/net/peer-exchange.ts'
import { Testnet, defaultPerProcess, startBudgetMs } from '../../../main/core/testnet/testnet.ts'
import type { NodeEvent } from '../../../main/core/testnet/testnet.ts'
import { tempDir } from '../../helpers.ts'
import { waitFor } from '../net/support.ts'

test('vaults share processes as asked; each is its own peer, and one can be killed while its process lives on', async (t) => {
  const events: NodeEvent[] = []
  const progress: number[] = []
  const started: Testnet[] = []
  // after-hooks run in the order they are registered: the nodes must stop before their directory goes
  t.after(() => Promise.all(started.map((n) => n.stop())))
  const dir = await tempDir(t)
  const net = await Testnet.start({
    nodes: 5,
    perProcess: 2,
    dir,
    onEvent: (e) => events.push(e),
    onProgress: (n) => progress.push(n),
  })
  started.push(net)
  assert.equal(net.nodes.length, 5)
  assert.equal(new Set(net.nodes.map((n) => n.peerId)).size, 5)
  assert.equal(new Set(net.nodes.map((n) => n.multiaddr)).size, 5)
  // processes of 2, 2 and 1 vaults
  assert.deepEqual(
    net.nodes.map((n) => n.pid),
    [net.nodes[0]!.pid, net.nodes[0]!.pid, net.nodes[2]!.pid, net.nodes[2]!.pid, net.nodes[4]!.pid],
  )
  assert.equal(new Set(net.nodes.map((n) => n.pid)).size, 3)
  assert.equal(Math.max(...progress), 5)

  const manifest = JSON.parse(await readFile(join(dir, 'testnet.json'), 'utf8')) as {
    bootstrap: string[]
    nodes: Record<string, unknown>[]
  }
  assert.equal(manifest.bootstrap.length, 5)
  assert.deepEqual(
    manifest.nodes.map((n) => Object.keys(n).sort()),
    net.nodes.map(() => ['multiaddr', 'peerId', 'pid', 'vault']),
  )

  const client = await connectClient({ bootstrap: net.bootstrap.slice(0, 1) })
  t.after(() => client.stop())
  // a real request (a peer list) over a fresh dial: a vault that is gone cannot answer it
  const answers = async (addr: string) => {
    try {
      const conn = await client.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
      await fetchPeerList(client.host, conn.remotePeer, 10_000)
      return true
    } catch {
      return false
    }
  }
  for (const n of net.nodes) assert.ok(await answers(n.multiaddr), `vault ${n.vault} answers`)

  const [partner, victim] = [net.nodes[2]!, net.nodes[3]!]
  // a shared process cannot freeze one vault alone
  assert.throws(() => partner.kill('SIGSTOP'), /cannot reach one vault/)
  victim.kill('SIGKILL')
  assert.equal(victim.alive, false)
  assert.ok(!net.bootstrap.includes(victim.multiaddr))
  await waitFor(
    () => events.some((e) => e.event === 'killed' && e.node === 3 && e.peerId === victim.peerId),
    60_000,
    'the vault to say it was killed',
  )
  await waitFor(
    () => events.some((e) => e.event === 'peer-lost' && e.peer === victim.peerId),
    60_000,
    'a survivor to notice the loss',
  )
  assert.equal(await answers(victim.multiaddr), false)
  assert.ok(await answers(partner.multiaddr), 'the vault sharing its process still answers')
  assert.equal(partner.process.exitCode, null)
})

test('one vault to a process for small networks, shared processes for large ones; the start budget grows with them', () => {
  assert.equal(defaultPerProcess(1), 1)
  assert.equal(defaultPerProcess(64), 1)
  assert.ok(defaultPerProcess(1000) > 1)
  assert.ok(startBudgetMs(16) > startBudgetMs(1))
  assert.ok(startBudgetMs(1) >= 30_000)
})
