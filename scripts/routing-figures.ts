// Routing figures at N in-process vaults on loopback: connections per node
// once the neighbourhoods have settled, and the hops, peers asked and time
// of closest-peer lookups for random keys. Run with the pinned node:
//   node_modules/.bin/node scripts/routing-figures.ts [nodes] [lookups per node]
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LookupStats } from '../main/core/net/router.ts'
import { PeerDriveNode } from '../main/core/node/index.ts'
import { closestFirst, kadKey } from '../main/core/placement/index.ts'

const count = Number(process.argv[2] ?? 50)
const perNode = Number(process.argv[3] ?? 4)
const R = 4

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-routing-'))
  const nodes: PeerDriveNode[] = []
  const lookups: LookupStats[] = []
  let measuring = false
  try {
    const start = (i: number, bootstrap: string[]) =>
      PeerDriveNode.start({
        vaultDir: join(dir, `v${i}`),
        capacity: 64 * 2 ** 20,
        bootstrap,
        // many vaults share one event loop here: a slow turn must not read as a dead neighbour
        heartbeatMs: 10_000,
        heartbeatTimeoutMs: 9_000,
        onLookup: (s) => {
          if (measuring) lookups.push(s)
        },
      })
    nodes.push(await start(0, []))
    const boot = nodes[0]!.multiaddrs()
    const t0 = Date.now()
    for (let i = 1; i < count; i++) {
      nodes.push(await start(i, boot))
      if (i % 10 === 0) console.log(`${i + 1} vaults after ${Math.round((Date.now() - t0) / 1000)} s`)
    }
    console.log(`${count} vaults started`)
    // the neighbourhoods settle: every node looks itself up, idle links close (15 s idle)
    await new Promise((r) => setTimeout(r, 45_000))
    const conns = nodes.map((n) => new Set(n.host.getConnections().map((c) => c.remotePeer.toString())).size)
    measuring = true
    let agree = 0
    const times: number[] = []
    for (const node of nodes)
      for (let i = 0; i < perNode; i++) {
        const key = randomBytes(32)
        const t0 = performance.now()
        const found = await node.router.closestPeers(key, R)
        times.push(performance.now() - t0)
        const truth = closestFirst(
          kadKey(key),
          nodes.map((n) => n.peers.self),
        ).slice(0, R)
        if (found.map((p) => p.key).join() === truth.map((p) => p.key).join()) agree++
      }
    measuring = false
    const conns2 = nodes.map((n) => new Set(n.host.getConnections().map((c) => c.remotePeer.toString())).size)
    const hops = lookups.map((l) => l.hops)
    const asked = lookups.map((l) => l.contacted)
    const figures = {
      nodes: count,
      conns_p50: quantile(conns, 0.5),
      conns_max: Math.max(...conns),
      conns_after_lookups_p50: quantile(conns2, 0.5),
      conns_after_lookups_max: Math.max(...conns2),
      full_mesh_conns: count - 1,
      lookups: lookups.length,
      hops_p50: quantile(hops, 0.5),
      hops_p99: quantile(hops, 0.99),
      peers_asked_p50: quantile(asked, 0.5),
      peers_asked_max: Math.max(...asked),
      lookup_ms_p50: Math.round(quantile(times, 0.5)),
      lookup_ms_p99: Math.round(quantile(times, 0.99)),
      groups_exact: `${agree} of ${times.length}`,
      routing_table_p50: quantile(
        nodes.map((n) => n.host.services.dht.routingTable.size),
        0.5,
      ),
    }
    console.log(JSON.stringify(figures, null, 2))
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})))
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
