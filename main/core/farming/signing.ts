// Signatures in farming, all Ed25519 on node:crypto: vaults and clients sign
// with their libp2p identity (a peer id names its public key, so anyone can
// check them), wallets with their own key (a coin's owner is that key).
import { verify } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { OwnerKey } from '../records/index.ts'
import { ownerPublicKey } from '../records/owner-key.ts'

/** This node's identity as a signing key (the libp2p Ed25519 key: seed ‖ public key). */
export function identitySigner(privateKey: PrivateKey): OwnerKey {
  if (privateKey.type !== 'Ed25519') throw new TypeError('farming needs an Ed25519 node identity')
  return OwnerKey.fromSeed(privateKey.raw.subarray(0, 32))
}

/** The raw Ed25519 public key a peer id names, or undefined for ids that name none. */
export function peerPublicKey(peer: string): Uint8Array | undefined {
  try {
    const key = peerIdFromString(peer).publicKey
    return key?.type === 'Ed25519' ? key.raw : undefined
  } catch {
    return undefined
  }
}

export function verifyBy(publicKey: Uint8Array, bytes: Uint8Array, signature: Uint8Array): boolean {
  try {
    return signature.byteLength === 64 && verify(null, bytes, ownerPublicKey(publicKey), signature)
  } catch {
    return false
  }
}

export function verifyByPeer(peer: string, bytes: Uint8Array, signature: Uint8Array): boolean {
  const key = peerPublicKey(peer)
  return key !== undefined && verifyBy(key, bytes, signature)
}

/** The distinct peers, among those `accept` takes, whose signatures of `bytes` are valid. */
export function validSigners(
  bytes: Uint8Array,
  signatures: { peer: string; signature: string }[],
  accept: (peer: string) => boolean,
): Set<string> {
  const out = new Set<string>()
  for (const { peer, signature } of signatures) {
    if (out.has(peer) || !accept(peer)) continue
    if (verifyByPeer(peer, bytes, Buffer.from(signature, 'hex'))) out.add(peer)
  }
  return out
}
