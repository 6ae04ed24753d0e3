// A vault's side of "upload once": a client sends a chunk once, to one member
// of its close group, and that member stores it and places the other copies.
// The member checks the bytes against the address, acts only when it is in
// the chunk's close group by its own view, and forwards only to the group as
// it sees it (never to a list the sender names), at most R copies, over a
// bounded candidate list: a hostile client can make it send no more than the
// group would have received from the client directly.
import type { PeerId } from '@libp2p/interface'
import { chunkAddress, sameBytes } from '../chunk-store.ts'
import { closestFirst, kadKey } from '../placement/index.ts'
import type { ChunkHolder } from './chunk-service.ts'
import { answerChunkRequest } from './chunk-service.ts'
import type { Request, Response } from './messages.ts'
import { peerIdFromBytes } from './peer-messages.ts'
import { placeCopies } from './place-copies.ts'
import type { CopyOutcome } from './place-copies.ts'
import type { VaultPeer } from './vault-peer.ts'
import type { PaidCheck } from '../storage/ticket.ts'

export interface ReplicateComponents {
  /** This vault. */
  self: VaultPeer
  /** This vault's view of the vaults near a key, itself included; `closest` looks beyond its connections. */
  peers: { withSelf(): VaultPeer[]; closest?: (key: Uint8Array, count?: number) => Promise<VaultPeer[]> }
  /** R: the most copies it places, whatever a request asks for. */
  replicas: number
  /** A request to another vault. */
  ask: (peer: VaultPeer, req: Request) => Promise<Response>
  /** Where storage is paid: why a chunk not held here is refused as unpaid (storage/paid-check.ts). */
  paid?: PaidCheck
}

type ReplicateRequest = Extract<Request, { type: 'replicate' }>

/**
 * Stores the chunk here and on the close group until `copies` vaults other
 * than the sender hold it (a full or failing member is passed over for the
 * next closest), and says which.
 */
export async function answerReplicate(
  c: ReplicateComponents,
  holder: ChunkHolder,
  req: ReplicateRequest,
  from: PeerId,
): Promise<Response> {
  const { address, bytes } = req
  if (!sameBytes(chunkAddress(bytes), address))
    return { status: 'bad-hash', reason: 'the bytes do not hash to the address' }
  const sender = from.toString()
  const ranked = (await rankNear(c, address)).filter((p) => p.key !== sender)
  // a full member passes over to the next closest, and views differ a little: twice R is still the group
  const position = ranked.findIndex((p) => p.key === c.self.key)
  if (position < 0 || position >= 2 * c.replicas)
    return { status: 'bad-request', reason: 'not in the close group of this chunk' }
  if (c.paid && !(await holder.has(address))) {
    const unpaid = await c.paid(address, bytes.length, req.ticket, sender)
    if (unpaid) return { status: 'bad-request', reason: unpaid }
  }
  // the copies it places carry the ticket: the group checks it as this member did
  const ticket = req.ticket ? { ticket: req.ticket } : {}
  const wanted = Math.min(req.copies, c.replicas)
  // the sender's distrusted vaults only shorten the list: it can never name one to place on
  const avoided = new Set((req.avoid ?? []).map(peerKey))
  const candidates = ranked
    .filter((p) => p.key !== c.self.key)
    .slice(0, 3 * c.replicas)
    .filter((p) => !avoided.has(p.key))
  const offer = async (peer: VaultPeer): Promise<CopyOutcome> => {
    const res = await c.ask(peer, { type: 'put', address, bytes, ...ticket })
    return res.status === 'ok' ? 'stored' : res.status
  }
  // its own copy is written while the others travel; if it cannot keep one, one more lane follows
  const [own, placed] = await Promise.all([
    answerChunkRequest(holder, { type: 'put', address, bytes }),
    placeCopies(candidates, wanted - 1, offer),
  ])
  const selfHolds = own.status === 'ok'
  if (!selfHolds && wanted > 0) {
    // placeCopies offers candidates in order, and each offer ends as a holder, a kept or a reason
    const offered = placed.holders.length + placed.kept + placed.reasons.length
    const more = await placeCopies(candidates.slice(offered), 1, offer)
    placed.holders.push(...more.holders)
    placed.reasons.push(...more.reasons)
  }
  const holders = [...(selfHolds ? [c.self] : []), ...placed.holders]
  if (holders.length === 0) {
    const reasons = [...new Set([own.status === 'ok' ? '' : own.status, ...placed.reasons])].filter(Boolean)
    return own.status === 'full' && placed.reasons.every((r) => r === 'full')
      ? { status: 'full', reason: 'every vault of the group is full' }
      : { status: 'failed', reason: `no vault took it (${reasons.join(', ')})` }
  }
  return { status: 'ok', copies: holders.length, holders: holders.map((p) => p.id.toMultihash().bytes) }
}

/** The peer id string a multihash names, or the bytes' hex when they name none (matching no vault). */
function peerKey(id: Uint8Array): string {
  try {
    return peerIdFromBytes(id).toString()
  } catch {
    return Buffer.from(id).toString('hex')
  }
}

async function rankNear(c: ReplicateComponents, address: Uint8Array): Promise<VaultPeer[]> {
  const count = 4 * c.replicas
  if (c.peers.closest) return c.peers.closest(address, count)
  return closestFirst(kadKey(address), c.peers.withSelf()).slice(0, count)
}
