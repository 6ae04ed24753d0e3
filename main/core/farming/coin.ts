// Coins: an id (a winning farming attempt), an owner (a wallet's public key)
// and a sequence number that every transfer raises. The coin's close group
// keeps its ledger row; a statement of (id, owner, seq) signed by a quorum of
// that group is what proves a wallet owns the coin.
import { ownerPublicKey } from '../records/owner-key.ts'
import type { OwnerKey } from '../records/index.ts'
import { verify } from 'node:crypto'
import { validSigners } from './signing.ts'

/** Of the R members of a coin's group, how many must sign. */
export const COIN_QUORUM = 3

export interface CoinSignature {
  peer: string
  signature: string
}

export interface CoinProof {
  id: string
  owner: string
  seq: number
  signatures: CoinSignature[]
}

export function statementBytes(id: string, owner: string, seq: number): Buffer {
  return Buffer.from(JSON.stringify(['peerdrive/coin/v1', id, owner, seq]))
}

export function transferBytes(id: string, to: string, seq: number): Buffer {
  return Buffer.from(JSON.stringify(['peerdrive/coin-transfer/v1', id, to, seq]))
}

/** The owner's consent to move a coin to `to` as its `seq`-th owner. */
export function signTransfer(wallet: OwnerKey, id: string, to: string, seq: number): string {
  return Buffer.from(wallet.sign(transferBytes(id, to, seq))).toString('hex')
}

export function transferSignedByOwner(
  owner: string,
  id: string,
  to: string,
  seq: number,
  signature: string,
): boolean {
  try {
    return verify(
      null,
      transferBytes(id, to, seq),
      ownerPublicKey(Buffer.from(owner, 'hex')),
      Buffer.from(signature, 'hex'),
    )
  } catch {
    return false
  }
}

/**
 * Whether a proof carries a quorum of valid signatures from distinct peers
 * that `inGroup` accepts as members of the coin's group.
 */
export function proofHasQuorum(proof: CoinProof, inGroup: (peer: string) => boolean): boolean {
  return (
    validSigners(statementBytes(proof.id, proof.owner, proof.seq), proof.signatures, inGroup).size >=
    COIN_QUORUM
  )
}
