// The decisions of repair, apart from the network that carries them out: which
// items a lost vault leaves to check, which holder pushes the missing copies,
// and where a copy goes when a vault declines it. The Repairer runs them over
// libp2p; the simulator (core/sim) runs the same functions over 100,000 vaults.
import { compareClosest, kadKey } from '../placement/index.ts'
import type { Placed } from '../placement/index.ts'

export interface Keyed extends Placed {
  readonly key: string
}

/** Whether `lost` was among the `replicas` closest to the item, ranked among `others` and itself. */
export function wasInGroup<T extends Keyed>(
  address: Uint8Array,
  others: T[],
  lost: T,
  replicas: number,
): boolean {
  return rankedInGroup(kadKey(address), others, lost, replicas)
}

/**
 * wasInGroup for an item's kad key: `lost` ranks among the `replicas` closest
 * when fewer than `replicas` of `others` are closer (a tie ranks before it, as
 * in a stable sort with `lost` last). Counts instead of sorting, so checking
 * every held item after a loss costs one pass over the peers per item.
 */
export function rankedInGroup<T extends Keyed>(
  target: Uint8Array,
  others: readonly T[],
  lost: T,
  replicas: number,
): boolean {
  let closer = 0
  for (const p of others) {
    if (p.key === lost.key) continue
    if (compareClosest(target, p, lost) <= 0 && ++closer >= replicas) return false
  }
  return replicas > 0
}

/**
 * Whether `self`, a holder of the item, pushes its missing copies. Exactly one
 * holder acts, so a loss costs one repair per item and not a storm: the
 * closest holder in the group leads; a holder outside the group leads only
 * when no member holds the item. `holders` are the group members other than
 * `self` that answered that they hold it.
 */
export function leadsRepair<T extends Keyed>(group: readonly T[], self: T, holders: readonly T[]): boolean {
  const selfInGroup = group.some((p) => p.key === self.key)
  const closestHolder = group.find((p) => p.key === self.key || holders.includes(p))
  return !(closestHolder && closestHolder.key !== self.key && (selfInGroup || holders.length > 0))
}

/**
 * The vaults to offer the missing copies to, in order: each missing member of
 * the group first and, while it declines (a full or failing vault), the next
 * closest not yet offered. The caller sends each yielded vault the copy and
 * passes back whether it took it. `spare` must not change while the offers run.
 */
export function* passOver<T>(missing: readonly T[], spare: readonly T[]): Generator<T, void, boolean> {
  // an index, not a copy shifted from the front: a long spare list is not copied, nor moved per offer
  let next = 0
  for (const target of missing) {
    let peer: T | undefined = target
    while (peer !== undefined) {
      if (yield peer) break
      peer = next < spare.length ? spare[next++] : undefined
    }
  }
}
