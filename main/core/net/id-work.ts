// The work a vault's identity carries. A vault's place in the key space is
// SHA-256 of its peer id, and keys cost nothing to make: without a price, a
// vault could make keys until one lands next to any address it likes (a
// coin, an account's balance address, a victim vault). So a node counts a
// peer as a vault only when SHA-256("peerdrive/id-work/v1" ‖ its peer id)
// begins with `bits` zero bits, a check of one hash. An honest vault makes
// about 2^bits keys once, at its first start; one that wants its place within
// 1/2^p of the key space as well must make about 2^(bits + p), since the two
// hashes are independent. The network still does not choose the place: this
// prices choosing it (docs/SECURITY.md, "Places chosen by the vault").
import { createHash } from 'node:crypto'
import { setImmediate as yieldToEvents } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * The work the peerdrive commands ask of every vault on a network of
 * strangers: about 262,000 keys, 11 s of one core here once, while a place
 * among a chosen address's four nearest in a network of a thousand vaults
 * takes about 2^26 keys, some 46 minutes of a core for each id
 * (`peerdrive bench id-work`).
 */
export const DEFAULT_ID_WORK_BITS = 18

const TAG = Buffer.from('peerdrive/id-work/v1')

/** The zero bits the peer id's work hash begins with. */
export function idWorkOf(id: PeerId): number {
  const digest = createHash('sha256').update(TAG).update(id.toMultihash().bytes).digest()
  let bits = 0
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

/** Whether the peer id carries at least `bits` of work (any id does at 0). */
export function hasIdWork(id: PeerId, bits: number | undefined): boolean {
  return bits === undefined || bits <= 0 || idWorkOf(id) >= bits
}

/**
 * Makes Ed25519 keys until one's peer id carries `bits` of work. Other work
 * goes on in between (every 256 keys), so a node that makes its identity
 * while its window or API is up stays responsive.
 */
export async function keyWithWork(bits: number, signal?: AbortSignal): Promise<PrivateKey> {
  for (let tried = 1; ; tried++) {
    const key = await generateKeyPair('Ed25519')
    if (hasIdWork(peerIdFromPrivateKey(key), bits)) return key
    if (tried % 256 === 0) {
      signal?.throwIfAborted()
      await yieldToEvents()
    }
  }
}
