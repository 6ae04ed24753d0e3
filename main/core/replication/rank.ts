// Which vaults are an item's group, as a repairing holder sees it.
import type { RoutedPeers } from '../net/router.ts'
import type { VaultPeer } from '../net/vault-peer.ts'
import { closestFirst, compareDistance, kadKey } from '../placement/index.ts'

export interface RankingPeers {
  self: VaultPeer
  withSelf(): VaultPeer[]
  /** With it, the groups of items far from this vault are looked up rather than ranked from its links. */
  closest?: RoutedPeers['closest']
}

/**
 * The vaults closest to an item, closest first. A vault keeps links to the 2R
 * vaults closest to itself, so it sees every vault within the distance d of
 * the farthest of them. When the item and the R-th closest vault it sees to
 * the item both lie within d, XOR being an ultrametric, so does every vault
 * closer to the item: its links hold the item's whole group, ranked as they
 * are. Otherwise they are this vault's neighbourhood, not the item's; ranking
 * them would name a group of its own neighbours, which would each do the same
 * with theirs and spread the item over the whole network. So that group is
 * looked up.
 */
export async function rankForRepair(
  peers: RankingPeers,
  address: Uint8Array,
  replicas: number,
): Promise<VaultPeer[]> {
  const known = peers.withSelf()
  const local = closestFirst(kadKey(address), known)
  if (!peers.closest || seesWholeGroup(peers.self, kadKey(address), known, local, replicas)) return local
  return peers.closest(address, 2 * replicas)
}

function seesWholeGroup(
  self: VaultPeer,
  item: Uint8Array,
  known: VaultPeer[],
  byItem: VaultPeer[],
  replicas: number,
): boolean {
  const around = closestFirst(self.kadId, known).filter((p) => p.key !== self.key)
  // a network this small is all linked to this vault
  if (around.length <= 2 * replicas) return true
  const edge = around[2 * replicas - 1]!
  const rth = byItem[Math.min(byItem.length, replicas) - 1]!
  const within = (kadId: Uint8Array) => compareDistance(self.kadId, kadId, edge.kadId) <= 0
  return within(item) && within(rth.kadId)
}
