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

export class Ring {
  /** Slot at each sorted position. */
  readonly order: Int32Array
  /** Sorted 48-bit prefixes, by position. */
  private readonly keys: Float64Array
  private readonly position: Int32Array
  private readonly tree: Int32Array
  private readonly live: Uint8Array
  liveCount = 0
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
  }

  isLive(slot: number): boolean {
    return this.live[slot] === 1
  }

  setLive(slot: number, live: boolean): void {
    const now = live ? 1 : 0
    if (this.live[slot] === now) return
    this.live[slot] = now
    this.liveCount += live ? 1 : -1
    for (let i = this.position[slot]! + 1; i < this.tree.length; i += i & -i) this.tree[i]! += live ? 1 : -1
  }

  /** Live vaults among the first `end` sorted positions. */
  private livePrefix(end: number): number {
    let sum = 0
    for (let i = end; i > 0; i -= i & -i) sum += this.tree[i]!
    return sum
  }

  /** First sorted position whose prefix is ≥ key. */
  lowerBound(key: number): number {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.keys[mid]! < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Sorted positions [start, end) of the block of `bits` leading bits around `key`. */
  block(key: number, bits: number): [number, number] {
    const size = 2 ** (48 - bits)
    const lo = Math.floor(key / size) * size
    return [this.lowerBound(lo), lo + size >= TOP ? this.keys.length : this.lowerBound(lo + size)]
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
    const count = (b: number) => {
      const [s, e] = this.block(key, b)
      return this.livePrefix(e) - this.livePrefix(s)
    }
    while (bits > 0 && count(bits) < target) bits--
    while (bits < 48 && count(bits + 1) >= target) bits++
    this.lastBits = bits
    const [s, e] = this.block(key, bits)
    for (let i = s; i < e; i++) {
      const slot = this.order[i]!
      if (this.live[slot] === 1) out.push(slot)
    }
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
