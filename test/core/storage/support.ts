// Where storage is paid, a test that shows a refusal needs a vault that heads
// an item's close group and a client far from it: a PUT from that client is
// then no copy of the group's own (a repair or hand-over), and must carry a ticket.
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'

/** The node farthest from `vault` in XOR space (rarely in a group the vault heads), and `vault` as that node knows it. */
export function farthestClient(
  nodes: PeerDriveNode[],
  vault: PeerDriveNode,
): { client: PeerDriveNode; target: VaultPeer } {
  const client = closestFirst(
    vault.peers.self.kadId,
    nodes.filter((n) => n !== vault).map((n) => n.peers.self),
  )
    .map((p) => nodes.find((n) => n.peers.self.key === p.key)!)
    .at(-1)!
  const target = client.peers.list().find((p) => p.key === vault.peers.self.key)!
  return { client, target }
}

/**
 * Makes items until one's address has `vault` heading its close group and
 * `client` beyond its 2R + 1 nearest, by the view a vault judges PUTs by
 * (the vaults it is linked to and the ones near it that it found).
 */
export function itemFor<T>(
  vault: PeerDriveNode,
  client: PeerDriveNode,
  make: () => T,
  addressOf: (item: T) => Uint8Array,
): T {
  for (let tries = 0; tries < 100_000; tries++) {
    const item = make()
    const ranked = closestFirst(kadKey(addressOf(item)), vault.trusted.withSelf())
    const clientAt = ranked.findIndex((p) => p.key === client.peers.self.key)
    if (ranked[0]?.key === vault.peers.self.key && (clientAt < 0 || clientAt > 8)) return item
  }
  throw new Error(`no address fits (the vault knows ${vault.trusted.withSelf().length} vaults)`)
}
