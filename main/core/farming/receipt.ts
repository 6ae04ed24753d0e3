// A receipt: a client's signed word that a vault served it a chunk that
// verified. The vault hashes it; when the hash falls under the farming
// target, the receipt may mint one coin, whose id is fixed by the client,
// the farming period and a slot: one client identity can make vaults earn at
// most `slots` coins a period, however many receipts it signs (docs/FARMING.md).
import { createHash, randomBytes } from 'node:crypto'
import type { OwnerKey } from '../records/index.ts'
import type { CoinSignature } from './coin.ts'
import { validSigners, verifyByPeer } from './signing.ts'

/** The farming period: a client's coin slots and its close group's vouches are counted per period. */
export const FARM_PERIOD_MS = 3_600_000

export interface Receipt {
  /** Hex address of the chunk served. */
  chunk: string
  /** Peer id of the vault that served it. */
  vault: string
  /** Peer id of the client that received and verified it; it signs. */
  client: string
  /** When the client received it (ms since the epoch); its period is the coin's. */
  at: number
  /** Hex, 16 bytes the client draws at GET time: the vault neither chooses nor foresees the attempt. */
  nonce: string
  /** Which of the client's coin slots of the period this receipt would fill (0 up to the limit). */
  slot: number
  /** Hex Ed25519 signature by the client over signedBytes. */
  signature: string
  /**
   * Signatures of vaults near the client saying it has been a vault among
   * them for a while this period (vouchBytes): what makes a client identity
   * cost something. Only a winning receipt needs them; they are not signed.
   */
  vouches: CoinSignature[]
  /**
   * Hex wallet id of the developer of the app the client read the chunk
   * for, when it read for one: the share of a coin the receipt mints that
   * falls to the developer (developerShareFalls) is minted to this wallet.
   */
  developer?: string
}

const DOMAIN = 'peerdrive/receipt/v2'
const DOMAIN_FOR_APP = 'peerdrive/receipt-for-app/v1'

/**
 * The share of the coins minted on GETs an app made that goes to the app's
 * developer (a network parameter: every vault of a network checks claims
 * with the same value).
 */
export const DEVELOPER_SHARE = 0.1

type Signed = Omit<Receipt, 'signature' | 'vouches'>

function signedBytes(r: Signed): Buffer {
  const fields = [r.chunk, r.vault, r.client, r.at, r.nonce, r.slot]
  return Buffer.from(
    JSON.stringify(
      r.developer === undefined ? [DOMAIN, ...fields] : [DOMAIN_FOR_APP, ...fields, r.developer],
    ),
  )
}

/**
 * Whether the coin `coinId` is the developer's share: decided by the coin id
 * alone (the client, period and slot), so the client cannot grind it and
 * every member of the coin's group reaches the same answer; over many coins
 * a `share` of them fall to developers.
 */
export function developerShareFalls(coinId: string, share: number): boolean {
  if (share <= 0) return false
  const hash = createHash('sha256').update(`peerdrive/developer-share/v1:${coinId}`).digest()
  return underTarget(hash, share)
}

export function signReceipt(
  signer: OwnerKey,
  fields: {
    chunk: string
    vault: string
    client: string
    at?: number
    slot?: number
    vouches?: CoinSignature[]
    developer?: string
  },
): Receipt {
  const unsigned: Signed = {
    chunk: fields.chunk,
    vault: fields.vault,
    client: fields.client,
    at: fields.at ?? Date.now(),
    nonce: randomBytes(16).toString('hex'),
    slot: fields.slot ?? 0,
    ...(fields.developer !== undefined ? { developer: fields.developer } : {}),
  }
  const signature = Buffer.from(signer.sign(signedBytes(unsigned))).toString('hex')
  return { ...unsigned, signature, vouches: fields.vouches ?? [] }
}

export function receiptSignatureValid(r: Receipt): boolean {
  return verifyByPeer(r.client, signedBytes(r), Buffer.from(r.signature, 'hex'))
}

/** The farming attempt: it wins when it falls under the target. */
export function attemptHash(r: Receipt): Buffer {
  return createHash('sha256').update(signedBytes(r)).update(r.signature).digest()
}

export function periodOf(at: number): number {
  return Math.floor(at / FARM_PERIOD_MS)
}

/**
 * The id of the coin a winning receipt mints: the client, the period and
 * the slot, nothing else. A second winning receipt for the same slot names
 * the same id, which the coin's group has minted already, so grinding
 * receipts (or chunks, or nonces) offline yields no more coins than slots.
 */
export function coinIdOf(r: Pick<Receipt, 'client' | 'at' | 'slot'>): string {
  return createHash('sha256')
    .update(JSON.stringify(['peerdrive/coin-id/v1', r.client, periodOf(r.at), r.slot]))
    .digest('hex')
}

/** What a vault near a client signs to vouch for it in a period. */
export function vouchBytes(client: string, period: number): Buffer {
  return Buffer.from(JSON.stringify(['peerdrive/vouch/v1', client, period]))
}

/** The distinct vouchers, among those `near` accepts, whose signatures for (client, period) are valid. */
export function validVouchers(
  client: string,
  period: number,
  vouches: CoinSignature[],
  near: (peer: string) => boolean,
): Set<string> {
  return validSigners(vouchBytes(client, period), vouches, (peer) => peer !== client && near(peer))
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
