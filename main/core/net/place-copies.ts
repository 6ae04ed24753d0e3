// Stores R copies on the vaults closest to an address: one lane per copy, a
// lane moving on to the next closest vault when one declines or fails. Shared
// by chunk and record PUTs, which differ only in what they send and what an
// answer means.
import { failureName } from '../errors.ts'
import type { VaultPeer } from './vault-peer.ts'

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
        placed.reasons.push(failureName(err))
      } finally {
        pending--
      }
    }
  }
  await Promise.all(Array.from({ length: replicas }, lane))
  return placed
}

export interface PlacedBeyondSelf extends PlacedCopies {
  /** What this node's own vault answered, when it was offered a copy. */
  self?: CopyOutcome
}

/**
 * Places R copies on vaults other than this node — the only copies that
 * survive losing this machine. This node's own vault (when it is one) also
 * takes a copy when it is in the close group (it answers for the item there),
 * or as a last resort when fewer than R others took it, so the data has a
 * holder whose audit keeps pushing it out; that copy is never counted.
 */
export async function placeCopiesBeyondSelf(
  ranked: VaultPeer[],
  selfKey: string | undefined,
  replicas: number,
  offer: (peer: VaultPeer) => Promise<CopyOutcome>,
): Promise<PlacedBeyondSelf> {
  const self = ranked.find((p) => p.key === selfKey)
  const others = ranked.filter((p) => p !== self)
  const offerSelf = (peer: VaultPeer): Promise<CopyOutcome> => offer(peer).catch(failureName)
  const inGroup = self !== undefined && ranked.slice(0, replicas).includes(self)
  const [placed, early] = await Promise.all([
    placeCopies(others, replicas, offer),
    inGroup ? offerSelf(self) : undefined,
  ])
  const short = placed.holders.length + placed.kept < replicas
  const selfOutcome = early ?? (self && short ? await offerSelf(self) : undefined)
  return selfOutcome === undefined ? placed : { ...placed, self: selfOutcome }
}
