// Vault positions in the key space, sorted, with a count of the live ones:
// the vaults nearest a key by XOR are found in O(log N) instead of ranking all
// N. The K nearest live vaults to a key all share its longest prefix whose
// block still holds K live vaults (any vault outside that block is farther
// than every vault inside it), so that block is the candidate set the real
// placement functions rank.

/** The first 48 bits of a 32-byte id, as an exact double. */
export function prefix48(id: Uint8Array, offset = 0): number {
  let p = 0
  for (let i = 0; i < 6; i++) p = p * 256 + id[offset + i]!
  return p
}

const TOP = 2 ** 48
/** Leading bits that index the bucket table: a lower bound searches one bucket, not the whole ring. */
const BUCKET_BITS = 16
const BUCKET = 2 ** (48 - BUCKET_BITS)
/** Blocks up to this many positions are counted by scanning them, larger ones by the tree. */
const SCAN = 256

export class Ring {
  /** Slot at each sorted position. */
  readonly order: Int32Array
  /** Sorted 48-bit prefixes, by position. */
  private readonly keys: Float64Array
  private readonly position: Int32Array
  private readonly tree: Int32Array
  private readonly live: Uint8Array
  /** Liveness by sorted position, so a block is counted by a contiguous scan. */
  private readonly liveAt: Uint8Array
  /** First sorted position of each bucket of keys. */
  private readonly bucketStart: Int32Array
  liveCount = 0
  /** Counts the changes of liveness; `changedAt` holds, by sorted position, the count at its last change. */
  version = 0
  private readonly changedAt: Float64Array
  /** Prefix length of the block the last near() returned. */
  lastBits = 0

  /** `ids` holds `count` ids of 32 bytes, slot i at i × 32. */
  constructor(ids: Uint8Array, count: number) {
    const prefixes = new Float64Array(count)
    for (let i = 0; i < count; i++) prefixes[i] = prefix48(ids, i * 32)
    const order = Array.from({ length: count }, (_, i) => i)
    order.sort((a, b) => prefixes[a]! - prefixes[b]! || compareIds(ids, a, b))
    this.order = Int32Array.from(order)
    this.keys = new Float64Array(count)
    this.position = new Int32Array(count)
    for (let i = 0; i < count; i++) {
      this.keys[i] = prefixes[this.order[i]!]!
      this.position[this.order[i]!] = i
    }
    this.tree = new Int32Array(count + 1)
    this.live = new Uint8Array(count)
    this.liveAt = new Uint8Array(count)
    this.changedAt = new Float64Array(count)
    this.bucketStart = new Int32Array(2 ** BUCKET_BITS + 1)
    for (let b = 0, i = 0; b <= 2 ** BUCKET_BITS; b++) {
      while (i < count && this.keys[i]! < b * BUCKET) i++
      this.bucketStart[b] = i
    }
  }

  isLive(slot: number): boolean {
    return this.live[slot] === 1
  }

  setLive(slot: number, live: boolean): void {
    const now = live ? 1 : 0
    if (this.live[slot] === now) return
    this.live[slot] = now
    this.liveAt[this.position[slot]!] = now
    this.changedAt[this.position[slot]!] = ++this.version
    this.liveCount += live ? 1 : -1
    for (let i = this.position[slot]! + 1; i < this.tree.length; i += i & -i) this.tree[i]! += live ? 1 : -1
  }

  /** Whether no vault at sorted positions [start, end) came or went since `version`. */
  unchangedSince(start: number, end: number, version: number): boolean {
    for (let i = start; i < end; i++) if (this.changedAt[i]! > version) return false
    return true
  }

  /** Live vaults among the first `end` sorted positions. */
  private livePrefix(end: number): number {
    let sum = 0
    for (let i = end; i > 0; i -= i & -i) sum += this.tree[i]!
    return sum
  }

  /** Live vaults among sorted positions [start, end). */
  private liveIn(start: number, end: number): number {
    if (end - start > SCAN) return this.livePrefix(end) - this.livePrefix(start)
    let sum = 0
    for (let i = start; i < end; i++) sum += this.liveAt[i]!
    return sum
  }

  private liveInBlock(key: number, bits: number): number {
    this.block(key, bits)
    return this.liveIn(this.blockStart, this.blockEnd)
  }

  /** First sorted position whose prefix is ≥ key. */
  lowerBound(key: number): number {
    if (key >= TOP) return this.keys.length
    const b = Math.floor(key / BUCKET)
    let lo = this.bucketStart[b]!
    let hi = this.bucketStart[b + 1]!
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.keys[mid]! < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Sorted positions of the block the last block() found: [blockStart, blockEnd). */
  blockStart = 0
  blockEnd = 0

  /** Finds the sorted positions of the block of `bits` leading bits around `key` (blockStart, blockEnd). */
  block(key: number, bits: number): void {
    const size = 2 ** (48 - bits)
    const lo = Math.floor(key / size) * size
    this.blockStart = this.lowerBound(lo)
    this.blockEnd = this.lowerBound(lo + size)
  }

  /**
   * The live slots of the smallest block around `key` that holds at least
   * `want` live vaults (all of them when fewer are live): a superset of the
   * `want` nearest by XOR.
   */
  near(key: number, want: number, out: number[]): number[] {
    out.length = 0
    const target = Math.min(want, this.liveCount)
    let bits = Math.max(
      0,
      Math.min(47, Math.floor(Math.log2(Math.max(1, this.liveCount / Math.max(1, target))))),
    )
    while (bits > 0 && this.liveInBlock(key, bits) < target) bits--
    while (bits < 48 && this.liveInBlock(key, bits + 1) >= target) bits++
    this.lastBits = bits
    this.block(key, bits)
    const e = this.blockEnd
    for (let i = this.blockStart; i < e; i++) if (this.liveAt[i] === 1) out.push(this.order[i]!)
    return out
  }
}

function compareIds(ids: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < 32; i++) {
    const d = ids[a * 32 + i]! - ids[b * 32 + i]!
    if (d !== 0) return d
  }
  return 0
}
