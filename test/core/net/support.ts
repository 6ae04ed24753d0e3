// Real PeerDrive nodes on loopback, in this process, for network tests.
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { PeerDriveNode } from '../../../main/core/node.ts'
import type { NodeOptions } from '../../../main/core/node.ts'
import { tempDir } from '../../helpers.ts'

export async function startNodes(
  t: TestContext,
  count: number,
  opts: Partial<NodeOptions> = {},
): Promise<PeerDriveNode[]> {
  const nodes: PeerDriveNode[] = []
  // registered before the temp dir's own clean-up, so nodes stop before their files go
  t.after(() => Promise.all(nodes.map((n) => n.stop().catch(() => {}))))
  const dir = await tempDir(t)
  const start = (i: number, bootstrap: string[]) =>
    PeerDriveNode.start({ vaultDir: join(dir, `v${i}`), capacity: 64 * 2 ** 20, bootstrap, ...opts })
  nodes.push(await start(0, []))
  const boot = nodes[0]!.multiaddrs()
  nodes.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1, boot)))))
  await waitFor(() => nodes.every((n) => n.peers.size === count - 1), 45_000, 'full mesh')
  return nodes
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
