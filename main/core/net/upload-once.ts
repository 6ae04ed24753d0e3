// The client's side of "upload once": a chunk leaves this machine once, to
// the closest member of its close group that takes it, and that member places
// the other copies (replicate-service.ts). Home upstream links are the
// scarcest thing users have; the group's links are not. Copies are still
// counted as before: only vaults other than this node, at most R.
import { peerIdFromBytes } from './peer-messages.ts'
import type { Request, Response } from './messages.ts'
import { failureName } from '../errors.ts'
import { placeCopies } from './place-copies.ts'
import type { CopyOutcome, PlacedBeyondSelf } from './place-copies.ts'
import { vaultPeer } from './vault-peer.ts'
import type { VaultPeer } from './vault-peer.ts'
import { NOT_PAID } from '../storage/ticket.ts'
import type { Ticket } from '../storage/ticket.ts'

export interface UploadOnceResult extends PlacedBeyondSelf {
  /** Chunk bytes sent to other vaults: once per member asked, and again only for copies they could not place. */
  sentBytes: number
}

/**
 * Places R copies on vaults other than this node by sending the chunk once:
 * to the closest other vault, which stores it and forwards it to the group.
 * When that member fails or refuses, the next closest is asked (at most R
 * are); copies its group could not place are then sent directly, one lane
 * per missing copy, to vaults not yet asked (or that refused only for being
 * outside the group in their own view). Vaults this node distrusts (`avoid`)
 * are named to the member so that it leaves them out too. This node's own vault keeps an
 * uncounted copy when it is in the group, or as a last resort, as before.
 */
export async function uploadOnce(
  ranked: VaultPeer[],
  selfKey: string | undefined,
  replicas: number,
  ask: (peer: VaultPeer, req: Request) => Promise<Response>,
  address: Uint8Array,
  bytes: Uint8Array,
  avoid: VaultPeer[] = [],
  ticket?: Ticket,
): Promise<UploadOnceResult> {
  const paid = ticket ? { ticket } : {}
  const self = ranked.find((p) => p.key === selfKey)
  const others = ranked.filter((p) => p !== self)
  const known = new Map(others.map((p) => [p.key, p]))
  const put = async (peer: VaultPeer): Promise<CopyOutcome> => {
    const res = await ask(peer, { type: 'put', address, bytes, ...paid })
    return res.status === 'ok' ? 'stored' : refusal(res)
  }
  const offerSelf = (peer: VaultPeer): Promise<CopyOutcome> => put(peer).catch(failureName)
  const inGroup = self !== undefined && ranked.slice(0, replicas).includes(self)
  const early = inGroup ? offerSelf(self) : undefined

  const holders = new Map<string, VaultPeer>()
  const reasons: string[] = []
  const asked = new Set<string>()
  let sentBytes = 0
  for (const entry of others.slice(0, replicas)) {
    asked.add(entry.key)
    sentBytes += bytes.length
    try {
      const res = await ask(entry, {
        type: 'replicate',
        address,
        bytes,
        copies: replicas,
        ...paid,
        ...(avoid.length > 0 ? { avoid: avoid.map((p) => p.id.toMultihash().bytes) } : {}),
      })
      if (res.status !== 'ok') {
        reasons.push(refusal(res))
        // out of the group in its own view, it may still keep a copy of its own
        if (res.status === 'bad-request') asked.delete(entry.key)
        continue
      }
      const shunned = new Set(avoid.map((p) => p.key))
      for (const id of res.holders ?? []) {
        const peer = holderOf(id, known)
        if (peer && peer.key !== selfKey && !shunned.has(peer.key)) holders.set(peer.key, peer)
      }
      break
    } catch (err) {
      reasons.push(failureName(err))
    }
  }
  if (holders.size < replicas) {
    const rest = others.filter((p) => !asked.has(p.key) && !holders.has(p.key))
    const direct = await placeCopies(rest, replicas - holders.size, async (peer) => {
      sentBytes += bytes.length
      return put(peer)
    })
    for (const peer of direct.holders) holders.set(peer.key, peer)
    reasons.push(...direct.reasons)
  }
  const placed = { holders: [...holders.values()].slice(0, replicas), kept: 0, reasons, sentBytes }
  const short = placed.holders.length < replicas
  const selfOutcome = (await early) ?? (self && short ? await offerSelf(self) : undefined)
  return selfOutcome === undefined ? placed : { ...placed, self: selfOutcome }
}

/** A refusal as its status, or its whole reason when the storage was not paid for: the user must read that one. */
function refusal(res: Response): string {
  return res.status !== 'ok' && res.reason.startsWith(NOT_PAID) ? res.reason : res.status
}

/** The vault a holder id names: one this node knows, or one it learns of from the answer. */
function holderOf(id: Uint8Array, known: Map<string, VaultPeer>): VaultPeer | undefined {
  try {
    const peerId = peerIdFromBytes(id)
    return known.get(peerId.toString()) ?? vaultPeer(peerId)
  } catch {
    return undefined
  }
}
