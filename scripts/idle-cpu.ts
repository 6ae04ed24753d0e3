// What an idle vault costs: N in-process vaults on loopback, left to settle,
// then one minute measured — CPU per vault (as a share of one core), links per
// vault, and the streams they opened to each other by protocol. Run with the
// pinned node:
//   node_modules/.bin/node scripts/idle-cpu.ts [vaults]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection, Stream } from '@libp2p/interface'
import { PeerDriveNode } from '../main/core/node/index.ts'

const count = Number(process.argv[2] ?? 24)
const SETTLE_MS = 60_000
const MEASURE_MS = 60_000

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-idle-'))
  const nodes: PeerDriveNode[] = []
  try {
    const start = (i: number, bootstrap: string[]) =>
      PeerDriveNode.start({ vaultDir: join(dir, `v${i}`), capacity: 64 * 2 ** 20, bootstrap })
    nodes.push(await start(0, []))
    for (let i = 1; i < count; i++) nodes.push(await start(i, nodes[0]!.multiaddrs()))
    console.log(`${count} vaults started; settling for ${SETTLE_MS / 1000} s`)
    await new Promise((r) => setTimeout(r, SETTLE_MS))

    // every stream between the vaults is some vault's inbound stream: count those by protocol
    const streams = new Map<string, number>()
    const watched = new WeakSet<Connection>()
    const watch = (conn: Connection) => {
      if (watched.has(conn)) return
      watched.add(conn)
      const muxer = (conn as unknown as { muxer?: EventTarget }).muxer
      muxer?.addEventListener('stream', (evt) => {
        const stream = (evt as CustomEvent<Stream>).detail
        // the protocol is known once negotiated
        setTimeout(
          () => streams.set(stream.protocol ?? '', (streams.get(stream.protocol ?? '') ?? 0) + 1),
          200,
        )
      })
    }
    for (const node of nodes) {
      for (const conn of node.host.getConnections()) watch(conn)
      node.host.addEventListener('connection:open', (evt) => watch(evt.detail))
    }
    const before = process.cpuUsage()
    await new Promise((r) => setTimeout(r, MEASURE_MS))
    const used = process.cpuUsage(before)
    const cpuSeconds = (used.user + used.system) / 1e6
    const links = nodes.map((n) => n.host.getConnections().length).sort((a, b) => a - b)
    console.log(
      JSON.stringify({
        vaults: count,
        cpu_percent_per_vault: Number(((cpuSeconds / (MEASURE_MS / 1000) / count) * 100).toFixed(3)),
        links_p50: links[Math.floor(links.length / 2)],
        links_max: links.at(-1),
        streams_per_vault_minute: Object.fromEntries(
          [...streams].map(([protocol, n]) => [protocol, Math.round((n / count) * (60_000 / MEASURE_MS))]),
        ),
      }),
    )
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})))
    await rm(dir, { recursive: true, force: true })
  }
}

void main().then(() => process.exit(0))
