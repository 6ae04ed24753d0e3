// Which vaults are an item's group, as a repairing holder sees it.
import type { RoutedPeers } from '../net/router.ts'
import type { VaultPeer } from '../net/vault-peer.ts'
import { closestFirst, kadKey } from '../placement/index.ts'

export interface RankingPeers {
  self: VaultPeer
  withSelf(): VaultPeer[]
  /** With it, the groups of items far from this vault are looked up rather than ranked from its links. */
  closest?: RoutedPeers['closest']
}

/**
 * The vaults closest to an item, closest first. A vault keeps links to the 2R
 * vaults closest to itself, so it sees every vault within the distance D of
 * the farthest of them. Every vault closer to the item than the R-th closest
 * it sees (distance r from the item) lies at a distance a ⊕ y from this vault,
 * for some y < r, where a is the item's distance from it. When even the
 * largest such a ⊕ y is within D, its links hold the item's whole group,
 * ranked as they are. Otherwise they are this vault's neighbourhood, not the
 * item's; ranking them would name a group of its own neighbours, which would
 * each do the same with theirs and spread the item over the whole network. So
 * that group is looked up. (XOR distance is not an ultrametric in value, so
 * "the item and the R-th both within D" is not enough.)
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
  const seen = distance(self.kadId, edge.kadId)
  return largestXorBelow(distance(self.kadId, item), distance(item, rth.kadId)) <= seen
}

function distance(a: Uint8Array, b: Uint8Array): bigint {
  let d = 0n
  for (let i = 0; i < a.length; i++) d = (d << 8n) | BigInt(a[i]! ^ b[i]!)
  return d
}

/** The largest a ⊕ y over 0 ≤ y < r (−1 when r is 0: no such y), chosen bit by bit from the top. */
export function largestXorBelow(a: bigint, r: bigint): bigint {
  if (r <= 0n) return -1n
  const bound = r - 1n
  let y = 0n
  // while y's bits so far equal the bound's, a bit set in y must be set in the bound
  let tight = true
  for (let bit = 1n << BigInt(Math.max(bitLength(a), bitLength(bound))); bit > 0n; bit >>= 1n) {
    const wanted = (a & bit) === 0n
    if (!tight) {
      if (wanted) y |= bit
    } else if ((bound & bit) !== 0n) {
      if (wanted) y |= bit
      else tight = false
    }
  }
  return a ^ y
}

function bitLength(n: bigint): number {
  return n.toString(2).length
}
