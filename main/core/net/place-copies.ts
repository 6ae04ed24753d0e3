// Stores R copies on the vaults closest to an address: one lane per copy, a
// lane moving on to the next closest vault when one declines or fails. Shared
// by chunk and record PUTs, which differ only in what they send and what an
// answer means.
import type { VaultPeer } from './peer-table.ts'

/** 'stored': the vault holds it now; 'kept': it keeps something that takes the slot; anything else: declined, why. */
export type CopyOutcome = 'stored' | 'kept' | string

export interface PlacedCopies {
  holders: VaultPeer[]
  kept: number
  /** Why the vaults that did not take it declined or failed. */
  reasons: string[]
}

export async function placeCopies(
  candidates: VaultPeer[],
  replicas: number,
  offer: (peer: VaultPeer) => Promise<CopyOutcome>,
): Promise<PlacedCopies> {
  const placed: PlacedCopies = { holders: [], kept: 0, reasons: [] }
  let next = 0
  let pending = 0
  const lane = async (): Promise<void> => {
    while (placed.holders.length + placed.kept + pending < replicas && next < candidates.length) {
      const peer = candidates[next++]!
      pending++
      try {
        const outcome = await offer(peer)
        if (outcome === 'stored') placed.holders.push(peer)
        else if (outcome === 'kept') placed.kept++
        else placed.reasons.push(outcome)
      } catch (err) {
        placed.reasons.push((err as Error).name)
      } finally {
        pending--
      }
    }
  }
  await Promise.all(Array.from({ length: replicas }, lane))
  return placed
}
