// A vault keeps only chunks (and records) placed on it. A PUT is stored only when the
// chunk's key falls in this vault's close group by its own view, with the
// tolerance REPLICATE uses (the 2R closest, the sender left out): a full
// member is passed over to the next closest, repairs and hand-offs go to the
// group as the sender sees it, and views differ a little. A chunk already
// held costs nothing to accept again. Anything else is a stranger using the
// vault as free storage, and is refused with the reason.
import type { PeerId } from '@libp2p/interface'
import { closestFirst, kadKey, xorDistance } from '../placement/index.ts'
import type { ChunkHolder } from './chunk-service.ts'
import { answerChunkRequest } from './chunk-service.ts'
import type { Request, Response } from './messages.ts'
import type { ReplicateComponents } from './replicate-service.ts'
import type { VaultPeer } from './vault-peer.ts'
import { addressOf } from '../records/index.ts'
import type { RecordRequest, RecordResponse } from './record-messages.ts'
import { answerRecordRequest } from './record-service.ts'
import { RECORD_CHARGE_BYTES } from '../storage/ticket.ts'
import type { RecordHolder } from './record-service.ts'

export const NOT_IN_GROUP = 'not in the close group of this chunk: a vault keeps only chunks placed on it'

/** A lookup that takes longer is not waited for: the PUT is kept, as a repair on a slow network must be. */
const LOOKUP_TIMEOUT_MS = 5_000

type PutRequest = Extract<Request, { type: 'put' }>
type RecordPutRequest = Extract<RecordRequest, { type: 'record-put' }>

export const RECORD_NOT_IN_GROUP =
  'not in the close group of this record: a vault keeps only records placed on it'

/**
 * The same rule for a signed record, by the address its owner and name give:
 * a record this vault does not hold yet is kept only in its close group, and
 * where storage is paid only with a ticket for its slot (or from a vault of
 * its group); a newer version of one it holds is taken wherever the view has
 * moved since, at no cost.
 */
export async function answerRecordPut(
  c: ReplicateComponents,
  holder: RecordHolder,
  req: RecordPutRequest,
  from: PeerId,
): Promise<RecordResponse> {
  let address: Uint8Array
  try {
    address = addressOf(req.record)
  } catch {
    return answerRecordRequest(holder, req)
  }
  if (await holder.getRecord(address)) return answerRecordRequest(holder, req)
  if (!(await inCloseGroup(c, address, from.toString())))
    return { status: 'bad-request', reason: RECORD_NOT_IN_GROUP }
  // a new record's slot is paid for once, at the largest size any version of it may take
  const unpaid = await c.paid?.(address, RECORD_CHARGE_BYTES, req.ticket, from.toString())
  if (unpaid) return { status: 'bad-request', reason: unpaid }
  return answerRecordRequest(holder, req)
}

export async function answerPut(
  c: ReplicateComponents,
  holder: ChunkHolder,
  req: PutRequest,
  from: PeerId,
): Promise<Response> {
  if (await holder.has(req.address)) return answerChunkRequest(holder, req)
  if (!(await inCloseGroup(c, req.address, from.toString())))
    return { status: 'bad-request', reason: NOT_IN_GROUP }
  const unpaid = await c.paid?.(req.address, req.bytes.length, req.ticket, from.toString())
  if (unpaid) return { status: 'bad-request', reason: unpaid }
  return answerChunkRequest(holder, req)
}

/** Whether this vault is among the 2R vaults closest to the address that are not the sender, by its own view. */
export async function inCloseGroup(
  c: ReplicateComponents,
  address: Uint8Array,
  sender: string,
): Promise<boolean> {
  const key = kadKey(address)
  const within = (peers: VaultPeer[]) => {
    const position = closestFirst(key, peers)
      .filter((p) => p.key !== sender)
      .findIndex((p) => p.key === c.self.key)
    return position >= 0 && position < 2 * c.replicas
  }
  const known = c.peers.withSelf()
  // the vaults it knows are some of all: outside the 2R among them is outside among all
  if (!within(known)) return false
  if (knowsEveryRival(c, known, key) || !c.peers.closest) return true
  // the address is far from this vault: vaults it does not know may be closer; a lookup finds them
  const found = await Promise.race([
    c.peers.closest(address, 4 * c.replicas),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), LOOKUP_TIMEOUT_MS).unref()),
  ]).catch(() => undefined)
  return found === undefined || within(found)
}

/**
 * Whether every vault that could be closer to the key than this one is a
 * vault it knows. It keeps links to its 2R closest vaults, up to distance D;
 * in XOR distance a vault closer to the key than this vault is lies within
 * twice the key's distance of it, so with that no farther than D it is known.
 * A vault that knows fewer than 2R others knows the whole network it sees.
 */
function knowsEveryRival(c: ReplicateComponents, known: VaultPeer[], key: Uint8Array): boolean {
  const others = closestFirst(
    c.self.kadId,
    known.filter((p) => p.key !== c.self.key),
  )
  const edge = others[2 * c.replicas - 1]
  if (!edge) return true
  const asNumber = (d: Uint8Array) => BigInt(`0x${Buffer.from(d).toString('hex')}`)
  return 2n * asNumber(xorDistance(c.self.kadId, key)) <= asNumber(xorDistance(c.self.kadId, edge.kadId))
}
