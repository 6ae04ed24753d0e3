// Positions in the key space follow kad-dht: a peer sits at SHA-256 of its
// peer id's multihash bytes, a key at SHA-256 of the key. Using the same
// mapping means the DHT's closest-peer lookups and our close groups agree.
import { createHash } from 'node:crypto'

/** The seed's "minimum of four copies of every chunk at all times". */
export const DEFAULT_REPLICAS = 4

export interface Placed {
  /** Position in the 256-bit key space (32 bytes). */
  readonly kadId: Uint8Array
}

export function kadKey(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

export function xorDistance(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError('keys of different lengths')
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** Negative when a is closer to target than b. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = a[i]! ^ target[i]!
    const db = b[i]! ^ target[i]!
    if (da !== db) return da - db
  }
  return 0
}

/** Peers sorted by XOR distance of their kadId to `target` (itself a kad key). */
export function closestFirst<T extends Placed>(target: Uint8Array, peers: Iterable<T>): T[] {
  return [...peers].sort((a, b) => compareDistance(target, a.kadId, b.kadId))
}

/**
 * The close group of a chunk address: the `replicas` peers closest to it that
 * accept it. A peer that declines (a full vault) is passed over, so the group
 * extends to the next closest.
 */
export function closeGroup<T extends Placed>(
  address: Uint8Array,
  peers: Iterable<T>,
  replicas = DEFAULT_REPLICAS,
  accepts: (peer: T) => boolean = () => true,
): T[] {
  return closestFirst(kadKey(address), peers).filter(accepts).slice(0, replicas)
}
