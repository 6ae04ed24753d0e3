// A receipt: a client's signed word that a vault served it a chunk that
// verified. The vault hashes it; when the hash falls under the farming
// target, the hash is the id of a coin the vault may claim.
import { createHash, randomBytes } from 'node:crypto'
import type { OwnerKey } from '../records/index.ts'
import { verifyByPeer } from './signing.ts'

export interface Receipt {
  /** Hex address of the chunk served. */
  chunk: string
  /** Peer id of the vault that served it. */
  vault: string
  /** Peer id of the client that received and verified it; it signs. */
  client: string
  /** When the client received it (ms since the epoch). */
  at: number
  /** Hex, 16 random bytes: two receipts for the same chunk are two attempts. */
  nonce: string
  /** Hex Ed25519 signature by the client over signedBytes. */
  signature: string
}

const DOMAIN = 'peerdrive/receipt/v1'

function signedBytes(r: Omit<Receipt, 'signature'>): Buffer {
  return Buffer.from(JSON.stringify([DOMAIN, r.chunk, r.vault, r.client, r.at, r.nonce]))
}

export function signReceipt(
  signer: OwnerKey,
  fields: { chunk: string; vault: string; client: string; at?: number },
): Receipt {
  const unsigned = { ...fields, at: fields.at ?? Date.now(), nonce: randomBytes(16).toString('hex') }
  return { ...unsigned, signature: Buffer.from(signer.sign(signedBytes(unsigned))).toString('hex') }
}

export function receiptSignatureValid(r: Receipt): boolean {
  return verifyByPeer(r.client, signedBytes(r), Buffer.from(r.signature, 'hex'))
}

/** The farming attempt: a coin id, if it falls under the target. */
export function attemptHash(r: Receipt): Buffer {
  return createHash('sha256').update(signedBytes(r)).update(r.signature).digest()
}

/**
 * True when the attempt wins: its first 8 bytes, read as a fraction of 2^64,
 * fall below the target (the chance that one served chunk mints a coin).
 */
export function underTarget(hash: Uint8Array, target: number): boolean {
  if (target >= 1) return true
  const head = Buffer.from(hash.subarray(0, 8)).readBigUInt64BE()
  return Number(head) / 2 ** 64 < target
}
