// Storage tickets: the proof a PUT carries that its chunk was paid for. An
// account asks the close group of its balance address to pay for a batch of
// chunks; each member debits the account's row and signs the batch's Merkle
// root (with its total size, count and farming period). A chunk's ticket is
// that statement, a quorum of signatures, and the chunk's path to the root:
// a vault checks it alone, from the chunk's address and length.
import { createHash } from 'node:crypto'
import { ADDRESS_BYTES, toHex } from '../chunk-store.ts'
import { COIN_QUORUM } from '../farming/coin.ts'
import type { CoinSignature } from '../farming/coin.ts'
import { validSigners } from '../farming/signing.ts'
import { MAX_RECORD_BYTES } from '../records/format.ts'

/** How every refusal of unpaid storage begins, wherever it is said. */
export const NOT_PAID = 'storage is not paid for'

/** A ticket is good in its own period and this many after it: long enough for a slow upload and its retries. */
export const TICKET_PERIODS = 2

/** Chunks one grant pays for at most: their leaves fit one farming message. */
export const MAX_TICKET_LEAVES = 256
/** Bytes of one leaf on the wire: the chunk's address and its length. */
export const LEAF_BYTES = ADDRESS_BYTES + 4
/** A path from a leaf to the root of at most MAX_TICKET_LEAVES leaves. */
export const MAX_PATH = 8

/**
 * What a record's slot costs, paid once when the record is first stored: a
 * holder takes every newer version of it free, and any version may fill
 * the record's largest size.
 */
export const RECORD_CHARGE_BYTES = MAX_RECORD_BYTES

export interface Leaf {
  address: Uint8Array
  /** The chunk's length in bytes, as stored (ciphertext). */
  size: number
}

/** What the members of an account's balance group sign when they pay for a batch. */
export interface Grant {
  /** Hex of the account's public key. */
  account: string
  /** Hex Merkle root of the batch's leaves. */
  root: string
  /** Total bytes of the batch. */
  size: number
  count: number
  /** The farming period it was granted in: a ticket is good for a few periods. */
  period: number
}

/** Why a PUT of a chunk this vault does not hold is refused as unpaid, or undefined when it is paid for. */
export type PaidCheck = (
  address: Uint8Array,
  size: number,
  ticket: Ticket | undefined,
  sender: string,
) => Promise<string | undefined>

/** What a PUT carries: the grant, its signatures, and where this chunk sits under the root. */
export interface Ticket extends Omit<Grant, 'root'> {
  signatures: CoinSignature[]
  index: number
  path: Uint8Array[]
}

const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** A leaf's hash (0x00 ‖ address ‖ length): the length is paid for as well as the address. */
export function leafHash(leaf: Leaf): Buffer {
  const size = Buffer.alloc(4)
  size.writeUInt32BE(leaf.size)
  return sha(Buffer.of(0), leaf.address, size)
}

const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha(Buffer.of(1), left, right)

/** The levels of the tree, leaves first; an odd node at the end of a level goes up unpaired. */
function levels(leaves: Buffer[]): Buffer[][] {
  if (leaves.length === 0) throw new RangeError('a batch has at least one chunk')
  const out = [leaves]
  while (out[out.length - 1]!.length > 1) {
    const level = out[out.length - 1]!
    const next: Buffer[] = []
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!)
    out.push(next)
  }
  return out
}

export function merkleRoot(leaves: Leaf[]): Buffer {
  const all = levels(leaves.map(leafHash))
  return all[all.length - 1]![0]!
}

/** The sibling hashes from leaf `index` up to the root (an unpaired node has none at its level). */
export function merklePath(leaves: Leaf[], index: number): Buffer[] {
  const path: Buffer[] = []
  let i = index
  for (const level of levels(leaves.map(leafHash)).slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1
    if (sibling < level.length) path.push(level[sibling]!)
    i = Math.floor(i / 2)
  }
  return path
}

/** The root a leaf and its path lead to in a tree of `count` leaves, or undefined if the path does not fit. */
export function rootFromPath(
  leaf: Leaf,
  index: number,
  count: number,
  path: Uint8Array[],
): Buffer | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= count) return undefined
  let hash = leafHash(leaf)
  let i = index
  let width = count
  let used = 0
  while (width > 1) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1
    if (sibling < width) {
      const other = path[used++]
      if (other === undefined || other.length !== 32) return undefined
      hash = i % 2 === 0 ? nodeHash(hash, other) : nodeHash(other, hash)
    }
    i = Math.floor(i / 2)
    width = Math.ceil(width / 2)
  }
  return used === path.length ? hash : undefined
}

export function grantBytes(g: Grant): Buffer {
  return Buffer.from(
    JSON.stringify(['peerdrive/storage-grant/v1', g.account, g.root, g.size, g.count, g.period]),
  )
}

/** What the account signs to ask for a grant: the batch, and the vault through which it asks. */
export function grantRequestBytes(g: Grant, vault: string): Buffer {
  return Buffer.from(
    JSON.stringify([
      'peerdrive/storage-grant-request/v1',
      g.account,
      g.root,
      g.size,
      g.count,
      g.period,
      vault,
    ]),
  )
}

/** The grant a batch of leaves makes for an account in a period. */
export function grantOf(account: string, leaves: Leaf[], period: number): Grant {
  return {
    account,
    root: toHex(merkleRoot(leaves)),
    size: leaves.reduce((sum, l) => sum + l.size, 0),
    count: leaves.length,
    period,
  }
}

/** Leaves on the wire: 36 bytes each. */
export function encodeLeaves(leaves: Leaf[]): Buffer {
  return Buffer.concat(
    leaves.map((l) => {
      const size = Buffer.alloc(4)
      size.writeUInt32BE(l.size)
      return Buffer.concat([l.address, size])
    }),
  )
}

export function decodeLeaves(bytes: Uint8Array): Leaf[] | undefined {
  if (bytes.length === 0 || bytes.length % LEAF_BYTES !== 0 || bytes.length / LEAF_BYTES > MAX_TICKET_LEAVES)
    return undefined
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: Leaf[] = []
  for (let i = 0; i < b.length; i += LEAF_BYTES)
    out.push({ address: b.subarray(i, i + ADDRESS_BYTES), size: b.readUInt32BE(i + ADDRESS_BYTES) })
  return out
}

/**
 * The wallet a coin spent on an account's storage moves to: a hash, so no
 * key signs for it and the coin can never move again. The coin's ledger row
 * naming it is the proof of the purchase.
 */
export function purchaseOwner(account: string): string {
  return sha(Buffer.from('peerdrive/storage-purchase/v1'), Buffer.from(account, 'hex')).toString('hex')
}

/** The address whose close group keeps an account's storage balance. */
export function balanceAddress(account: string): Buffer {
  return sha(Buffer.from('peerdrive/storage-balance/v1'), Buffer.from(account, 'hex'))
}

/**
 * Whether the ticket pays for this chunk: the chunk's address and length lead
 * up its path to a root that a quorum of distinct peers `isMember` accepts
 * signed, in a period no older than `maxAgePeriods` before `nowPeriod`.
 */
export function ticketPays(
  ticket: Ticket,
  leaf: Leaf,
  nowPeriod: number,
  maxAgePeriods: number,
  isMember: (peer: string) => boolean,
): string | undefined {
  if (ticket.period > nowPeriod + 1 || ticket.period < nowPeriod - maxAgePeriods)
    return 'the ticket has expired'
  const root = rootFromPath(leaf, ticket.index, ticket.count, ticket.path)
  if (!root) return 'the chunk is not in the batch the ticket pays for'
  const signers = validSigners(grantBytes({ ...ticket, root: toHex(root) }), ticket.signatures, isMember)
  return signers.size >= COIN_QUORUM
    ? undefined
    : "the ticket is not signed by the account's balance group for this chunk"
}
