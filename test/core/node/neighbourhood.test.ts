// Idle links to vaults that are no neighbour's: kept while the node is under
// its link budget (a new connection costs a handshake, identify and a
// routing-table update), closed, longest idle first, once it is over it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { startNodes, waitFor } from '../net/support.ts'

/** Links this node dialled to vaults that are not its neighbours. */
function dialledToOthers(node: PeerDriveNode): number {
  return node.host.getConnections().filter((conn) => {
    const peer = node.peers.get(conn.remotePeer.toString())
    return conn.direction === 'outbound' && peer !== undefined && !node.neighbourhood.isNeighbour(peer)
  }).length
}

/** Each link a node dialled to a non-neighbour: how long open, and the protocol and state of each stream on it. */
function linksToOthers(node: PeerDriveNode) {
  return node.host
    .getConnections()
    .filter((conn) => {
      const peer = node.peers.get(conn.remotePeer.toString())
      return conn.direction === 'outbound' && peer !== undefined && !node.neighbourhood.isNeighbour(peer)
    })
    .map((conn) => ({
      openMs: Date.now() - conn.timeline.open,
      streams: conn.streams.map((s) => `${s.protocol ?? '?'} ${s.direction} ${s.status}`),
    }))
}

test('under its link budget a vault keeps idle links to vaults that are not its neighbours', async (t) => {
  // eight vaults, two neighbours each: the full mesh startNodes makes leaves every vault idle links to others
  const nodes = await startNodes(t, 8, { neighbours: 2, idleLinkMs: 300, linkBudget: 32 })
  await waitFor(() => nodes.some((n) => dialledToOthers(n) > 0), 60_000, 'a link dialled to a non-neighbour')
  const before = nodes.map(dialledToOthers)
  // many idle periods and trim rounds (every second at this idle time) pass
  const until = Date.now() + 4_000
  await waitFor(() => Date.now() >= until, 10_000, 'the idle periods to pass')
  const after = nodes.map(dialledToOthers)
  const kept = before.reduce((sum, b, i) => sum + Math.min(b, after[i]!), 0)
  assert.equal(
    kept,
    before.reduce((a, b) => a + b, 0),
    `links to non-neighbours before ${before}, after ${after}`,
  )
})

test('over its link budget a vault closes the idle links it dialled to vaults that are not its neighbours', async (t) => {
  const budget = 3
  const nodes = await startNodes(t, 8, { neighbours: 2, idleLinkMs: 300, linkBudget: budget })
  // lookups and requests dial non-neighbours again now and then, so each vault need reach it once
  const trimmed = new Set<PeerDriveNode>()
  await waitFor(
    () => {
      for (const n of nodes)
        if (dialledToOthers(n) === 0 || n.host.getConnections().length <= budget) trimmed.add(n)
      return trimmed.size === nodes.length
    },
    // generous: on a loaded machine streams stay open longer, so links are seldom idle at a trim round
    300_000,
    'idle links to non-neighbours closed down to the budget',
  ).catch((err: unknown) => {
    // what kept the untrimmed vaults' links busy: the streams on each link they dialled to a non-neighbour
    for (const n of nodes.filter((n) => !trimmed.has(n)))
      t.diagnostic(`${n.peers.self.key}: ${JSON.stringify(linksToOthers(n))}`)
    throw err
  })
  // neighbours keep their links whatever the budget
  for (const node of nodes)
    for (const peer of node.neighbourhood.neighbours())
      assert.ok(node.host.getConnections(peer.id).length > 0 || !node.peers.has(peer.key), 'a neighbour link')
})
