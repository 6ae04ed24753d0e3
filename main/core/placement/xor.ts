// Positions in the key space follow kad-dht: a peer sits at SHA-256 of its
// peer id's multihash bytes, a key at SHA-256 of the key. Using the same
// mapping means the DHT's closest-peer lookups and our close groups agree.
import { createHash } from 'node:crypto'

/** The seed's "minimum of four copies of every chunk at all times". */
export const DEFAULT_REPLICAS = 4

export interface Placed {
  /** Position in the 256-bit key space (32 bytes). */
  readonly kadId: Uint8Array
  /**
   * kadLead(kadId), for a peer ranked very often: ranking then reads this
   * number instead of the id's bytes, which spares a memory access per peer
   * when many peers are ranked (100,000 simulated vaults).
   */
  readonly kadLead?: number
}

const WORD = 2 ** 24

/** The first 48 bits of a kad id or key, as an exact double. */
export function kadLead(id: Uint8Array): number {
  let d = 0
  for (let i = 0; i < 6; i++) d = d * 256 + id[i]!
  return d
}

/** The first 48 bits of the XOR distance from `target` to `peer`, as an exact double. */
function distanceLead(target: Uint8Array, targetHi: number, targetLo: number, peer: Placed): number {
  const lead = peer.kadLead
  if (lead === undefined) return lead48(target, peer.kadId)
  const hi = Math.floor(lead / WORD)
  return (hi ^ targetHi) * WORD + ((lead - hi * WORD) ^ targetLo)
}

/** Negative when peer a is closer to target than peer b: compareDistance, reading kadLead first when given. */
export function compareClosest(target: Uint8Array, a: Placed, b: Placed): number {
  if (target.length >= 6) {
    const t = kadLead(target)
    const hi = Math.floor(t / WORD)
    const lo = t - hi * WORD
    const d = distanceLead(target, hi, lo, a) - distanceLead(target, hi, lo, b)
    if (d !== 0) return d
  }
  return compareDistance(target, a.kadId, b.kadId)
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
  return sortClosest(target, [...peers])
}

// per-call scratch, reused between calls (sorting is synchronous)
let leads = new Float64Array(64)
let order = new Int32Array(64)
let merged = new Int32Array(64)
let sorted: Placed[] = []

/**
 * Sorts `peers` in place, closest to `target` first, and returns them: the
 * ranking of closestFirst without its copy, for callers that rank many times
 * into one array. The same stable order as comparing whole distances: each
 * distance's first 48 bits are compared as one number and only equal ones
 * byte by byte.
 */
export function sortClosest<T extends Placed>(target: Uint8Array, peers: T[]): T[] {
  const n = peers.length
  if (target.length < 6) return peers.sort((a, b) => compareDistance(target, a.kadId, b.kadId))
  if (leads.length < n) {
    leads = new Float64Array(2 * n)
    order = new Int32Array(2 * n)
    merged = new Int32Array(2 * n)
  }
  const t = kadLead(target)
  const hi = Math.floor(t / WORD)
  const lo = t - hi * WORD
  if (n <= 24) {
    // a close group and its spares: insertion sort in place, the fastest for so few
    for (let i = 0; i < n; i++) leads[i] = distanceLead(target, hi, lo, peers[i]!)
    for (let i = 1; i < n; i++) {
      const peer = peers[i]!
      const lead = leads[i]!
      let j = i - 1
      for (; j >= 0; j--) {
        const other = leads[j]!
        if (other < lead || (other === lead && compareDistance(target, peers[j]!.kadId, peer.kadId) <= 0))
          break
        peers[j + 1] = peers[j]!
        leads[j + 1] = other
      }
      peers[j + 1] = peer
      leads[j + 1] = lead
    }
    return peers
  }
  for (let i = 0; i < n; i++) {
    leads[i] = distanceLead(target, hi, lo, peers[i]!)
    order[i] = i
  }
  // a's distance above b's, or equal and later: either moves a after b
  const after = (a: number, b: number) =>
    leads[a]! > leads[b]! ||
    (leads[a] === leads[b] && (compareDistance(target, peers[a]!.kadId, peers[b]!.kadId) || a - b) > 0)
  // insertion sort on runs of 16, then merges: stable, and no comparator calls through Array.prototype.sort
  const RUN = 16
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(n, lo + RUN)
    for (let i = lo + 1; i < hi; i++) {
      const x = order[i]!
      let j = i - 1
      while (j >= lo && after(order[j]!, x)) {
        order[j + 1] = order[j]!
        j--
      }
      order[j + 1] = x
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width)
      const hi = Math.min(n, lo + 2 * width)
      let i = lo
      let j = mid
      let k = lo
      while (i < mid && j < hi) merged[k++] = after(order[i]!, order[j]!) ? order[j++]! : order[i++]!
      while (i < mid) merged[k++] = order[i++]!
      while (j < hi) merged[k++] = order[j++]!
    }
    const swap = order
    order = merged
    merged = swap
  }
  if (sorted.length < n) sorted = new Array<Placed>(2 * n)
  for (let i = 0; i < n; i++) sorted[i] = peers[order[i]!]!
  for (let i = 0; i < n; i++) peers[i] = sorted[i] as T
  sorted.fill(undefined as unknown as Placed, 0, n)
  return peers
}

/**
 * The `count` peers closest to `target`, closest first, into `out`: what
 * closestFirst(target, peers).slice(0, count) gives, in one pass over the
 * peers instead of a sort of all of them.
 */
export function closestInto<T extends Placed>(
  target: Uint8Array,
  peers: readonly T[],
  count: number,
  out: T[],
): T[] {
  out.length = 0
  if (count <= 0) return out
  if (target.length < 6) {
    out.push(...sortClosest(target, [...peers]).slice(0, count))
    return out
  }
  if (leads.length < count + 1) leads = new Float64Array(2 * count + 2)
  const t = kadLead(target)
  const hi = Math.floor(t / WORD)
  const lo = t - hi * WORD
  for (const peer of peers) {
    const lead = distanceLead(target, hi, lo, peer)
    // a later peer at an equal distance ranks after the ones kept, as in a stable sort
    let j = out.length
    while (
      j > 0 &&
      (leads[j - 1]! > lead ||
        (leads[j - 1] === lead && compareDistance(target, out[j - 1]!.kadId, peer.kadId) > 0))
    )
      j--
    if (j >= count) continue
    const last = Math.min(out.length, count - 1)
    for (let k = last; k > j; k--) {
      out[k] = out[k - 1]!
      leads[k] = leads[k - 1]!
    }
    out[j] = peer
    leads[j] = lead
  }
  return out
}

/** The first 48 bits of the XOR distance, as an exact double. */
function lead48(target: Uint8Array, id: Uint8Array): number {
  let d = 0
  for (let i = 0; i < 6; i++) d = d * 256 + (id[i]! ^ target[i]!)
  return d
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
  accepts?: (peer: T) => boolean,
): T[] {
  if (!accepts) return closestInto(kadKey(address), [...peers], replicas, [])
  return closestFirst(kadKey(address), peers).filter(accepts).slice(0, replicas)
}
