// Who holds what: every copy is one entry in two singly linked lists, the
// chunk's and the vault's, kept in growable typed arrays. A vault's copies are
// found without scanning chunks (for its loss) and a chunk's holders without
// scanning vaults (for its repair).

export class Holders {
  private chunk = new Int32Array(1 << 16)
  private vault = new Int32Array(1 << 16)
  private nextInChunk = new Int32Array(1 << 16)
  private nextInVault = new Int32Array(1 << 16)
  private free = -1
  private used = 0
  readonly chunkHead: Int32Array
  private vaultHead: Int32Array
  /** Copies per chunk. */
  readonly count: Int32Array

  constructor(chunks: number, vaults: number) {
    this.chunkHead = new Int32Array(chunks).fill(-1)
    this.count = new Int32Array(chunks)
    this.vaultHead = new Int32Array(vaults).fill(-1)
  }

  has(chunk: number, vault: number): boolean {
    for (let e = this.chunkHead[chunk]!; e !== -1; e = this.nextInChunk[e]!)
      if (this.vault[e] === vault) return true
    return false
  }

  add(chunk: number, vault: number): void {
    const e = this.alloc()
    this.chunk[e] = chunk
    this.vault[e] = vault
    this.nextInChunk[e] = this.chunkHead[chunk]!
    this.chunkHead[chunk] = e
    this.nextInVault[e] = this.vaultHead[vault]!
    this.vaultHead[vault] = e
    this.count[chunk]!++
  }

  /** The vaults holding `chunk`, into `out`. */
  holdersOf(chunk: number, out: number[]): number[] {
    out.length = 0
    for (let e = this.chunkHead[chunk]!; e !== -1; e = this.nextInChunk[e]!) out.push(this.vault[e]!)
    return out
  }

  /** The chunks `vault` holds, into `out`. */
  heldBy(vault: number, out: number[]): number[] {
    out.length = 0
    for (let e = this.vaultHead[vault]!; e !== -1; e = this.nextInVault[e]!) out.push(this.chunk[e]!)
    return out
  }

  /** Drops every copy `vault` held (its disk is gone); returns the chunks. */
  dropVault(vault: number): number[] {
    const chunks: number[] = []
    let e = this.vaultHead[vault]!
    while (e !== -1) {
      const chunk = this.chunk[e]!
      chunks.push(chunk)
      let prev = -1
      for (let f = this.chunkHead[chunk]!; f !== -1; prev = f, f = this.nextInChunk[f]!) {
        if (f !== e) continue
        if (prev === -1) this.chunkHead[chunk] = this.nextInChunk[f]!
        else this.nextInChunk[prev] = this.nextInChunk[f]!
        break
      }
      this.count[chunk]!--
      const next = this.nextInVault[e]!
      this.nextInChunk[e] = this.free
      this.free = e
      e = next
    }
    this.vaultHead[vault] = -1
    return chunks
  }

  private alloc(): number {
    if (this.free !== -1) {
      const e = this.free
      this.free = this.nextInChunk[e]!
      return e
    }
    if (this.used === this.chunk.length) this.grow()
    return this.used++
  }

  private grow(): void {
    const n = this.chunk.length * 2
    const widen = (a: Int32Array) => {
      const b = new Int32Array(n)
      b.set(a)
      return b
    }
    this.chunk = widen(this.chunk)
    this.vault = widen(this.vault)
    this.nextInChunk = widen(this.nextInChunk)
    this.nextInVault = widen(this.nextInVault)
  }
}
