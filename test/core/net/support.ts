// Real PeerDrive nodes on loopback, in this process, for network tests.
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { TestContext } from 'node:test'
import { PeerDriveNode } from '../../../main/core/node/index.ts'
import type { NodeOptions } from '../../../main/core/node/index.ts'
import { tempDir } from '../../helpers.ts'

export async function startNodes(
  t: TestContext,
  count: number,
  opts: Partial<NodeOptions> = {},
): Promise<PeerDriveNode[]> {
  const { nodes, start } = await nodeStarter(t, opts)
  nodes.push(await start(0, []))
  const boot = nodes[0]!.multiaddrs()
  nodes.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1, boot)))))
  await meshUp(nodes)
  return nodes
}

/** `count` more vaults joining `network` (through its first vault), once all of them know each other. */
export async function joinNodes(
  t: TestContext,
  network: PeerDriveNode[],
  count: number,
  opts: Partial<NodeOptions> = {},
): Promise<PeerDriveNode[]> {
  const { nodes, start } = await nodeStarter(t, opts)
  const boot = network[0]!.multiaddrs()
  nodes.push(...(await Promise.all(Array.from({ length: count }, (_, i) => start(i, boot)))))
  await meshUp([...network, ...nodes])
  return nodes
}

async function nodeStarter(t: TestContext, opts: Partial<NodeOptions>) {
  const nodes: PeerDriveNode[] = []
  // registered before the temp dir's own clean-up, so nodes stop before their files go
  t.after(() => Promise.all(nodes.map((n) => n.stop().catch(() => {}))))
  const dir = await tempDir(t)
  const start = (i: number, bootstrap: string[]) =>
    PeerDriveNode.start({
      vaultDir: join(dir, `v${i}`),
      capacity: 64 * 2 ** 20,
      bootstrap,
      // these nodes share one event loop: on a loaded machine a 2 s heartbeat drops live links
      // (losses here come from stop(), which closes connections at once)
      heartbeatMs: 10_000,
      ...opts,
    })
  return { nodes, start }
}

/**
 * Waits until every node knows every other as a vault. In a network of 2R + 1
 * vaults or fewer every vault is every other's neighbour, so the neighbour
 * lookups make the mesh on their own; on a loaded machine a dial they started
 * may time out, so nodes still missing peers after a while are dialled directly.
 */
export async function meshUp(nodes: PeerDriveNode[], timeoutMs = 180_000): Promise<void> {
  const complete = () => nodes.every((n) => n.peers.size === nodes.length - 1)
  const deadline = Date.now() + timeoutMs
  while (!complete()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for full mesh')
    await waitFor(complete, 3_000, 'full mesh').catch(() => {})
    for (const n of nodes)
      for (const other of nodes)
        if (other !== n && !n.peers.has(other.peers.self.key))
          await n.host
            .dial(multiaddr(other.multiaddrs()[0]!), { signal: AbortSignal.timeout(5_000) })
            .catch(() => {})
  }
}

/**
 * Waits until a client (or node) knows every one of `nodes` as a vault,
 * dialling the missing ones directly. A client learns the vaults from the
 * peer lists of its bootstrap vaults once, when it connects; on a busy
 * machine one of those exchanges can fail.
 */
export async function knowsEvery(
  member: Pick<PeerDriveNode, 'host' | 'peers'>,
  nodes: PeerDriveNode[],
  timeoutMs = 180_000,
): Promise<void> {
  const missing = () =>
    nodes.filter((n) => n.peers.self.key !== member.peers.self.key && !member.peers.has(n.peers.self.key))
  const deadline = Date.now() + timeoutMs
  while (missing().length > 0) {
    if (Date.now() > deadline) throw new Error(`timed out: ${missing().length} vaults still unknown`)
    for (const n of missing())
      await member.host
        .dial(multiaddr(n.multiaddrs()[0]!), { signal: AbortSignal.timeout(5_000) })
        .catch(() => {})
    await waitFor(() => missing().length === 0, 3_000, 'every vault').catch(() => {})
  }
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export async function holdersOf(nodes: PeerDriveNode[], address: Uint8Array): Promise<PeerDriveNode[]> {
  const held = await Promise.all(nodes.map((n) => n.vault.has(address)))
  return nodes.filter((_, i) => held[i])
}
