// Who holds what: each chunk keeps the vaults holding it and each vault the
// chunks it holds, in small arrays of their own, so a vault's copies are found
// without scanning chunks (for its loss) and a chunk's holders without
// scanning vaults (for its repair). Both are read newest copy first, the order
// every caller sees (it decides the order of checks and transfers, so a seed
// replays one run). An array per list keeps a chunk's dozen holders in one or
// two cache lines; a linked list over shared arrays cost a cache miss per
// holder, which was most of a check at 100,000 vaults.

const NONE: readonly number[] = []

export class Holders {
  /** Holders of each chunk, oldest first. */
  private readonly byChunk: number[][]
  /** Chunks of each vault, oldest first; created on the vault's first copy. */
  private readonly byVault: (number[] | undefined)[]
  /** Copies per chunk. */
  readonly count: Int32Array

  constructor(chunks: number, vaults: number) {
    this.byChunk = Array.from({ length: chunks }, () => [])
    this.byVault = new Array<number[] | undefined>(vaults)
    this.count = new Int32Array(chunks)
  }

  has(chunk: number, vault: number): boolean {
    return this.byChunk[chunk]!.includes(vault)
  }

  add(chunk: number, vault: number): void {
    this.byChunk[chunk]!.push(vault)
    ;(this.byVault[vault] ??= []).push(chunk)
    this.count[chunk]!++
  }

  /** The vaults holding `chunk`, newest copy first, into `out`. */
  holdersOf(chunk: number, out: number[]): number[] {
    return reversedInto(this.byChunk[chunk]!, out)
  }

  /** The chunks `vault` holds, newest copy first, into `out`. */
  heldBy(vault: number, out: number[]): number[] {
    return reversedInto(this.byVault[vault] ?? NONE, out)
  }

  /** Drops every copy `vault` held (its disk is gone); returns the chunks, newest copy first. */
  dropVault(vault: number): number[] {
    const chunks = this.heldBy(vault, [])
    for (const chunk of chunks) {
      const list = this.byChunk[chunk]!
      list.splice(list.lastIndexOf(vault), 1)
      this.count[chunk]!--
    }
    this.byVault[vault] = undefined
    return chunks
  }
}

function reversedInto(list: readonly number[], out: number[]): number[] {
  out.length = 0
  for (let i = list.length - 1; i >= 0; i--) out.push(list[i]!)
  return out
}
