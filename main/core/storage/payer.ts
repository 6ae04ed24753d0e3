// The client's side of paid storage: the chunks a drive puts within a few
// milliseconds of each other are paid for together, one grant from the
// account's balance group for the whole batch (a Merkle root), so a file of
// many chunks costs one round of signatures, not one per chunk.
import { toHex } from '../chunk-store.ts'
import { MAX_TICKET_LEAVES } from './ticket.ts'
import type { Leaf, Ticket } from './ticket.ts'

export type PayForBatch = (leaves: Leaf[]) => Promise<Ticket[]>

interface Waiting {
  leaf: Leaf
  done: { resolve: (t: Ticket) => void; reject: (e: unknown) => void }[]
}

export class TicketBatcher {
  readonly #pay: PayForBatch
  readonly #windowMs: number
  readonly #max: number
  #waiting = new Map<string, Waiting>()
  #timer: NodeJS.Timeout | undefined

  constructor(pay: PayForBatch, opts: { windowMs?: number; max?: number } = {}) {
    this.#pay = pay
    this.#windowMs = opts.windowMs ?? 20
    this.#max = Math.min(opts.max ?? MAX_TICKET_LEAVES, MAX_TICKET_LEAVES)
  }

  /** The ticket for one chunk, paid for with the chunks asked for around the same time. */
  ticket(address: Uint8Array, size: number): Promise<Ticket> {
    return new Promise((resolve, reject) => {
      // the same chunk (and length) asked twice in a batch is paid for once
      const key = `${toHex(address)}/${size}`
      const entry = this.#waiting.get(key) ?? { leaf: { address: Uint8Array.from(address), size }, done: [] }
      entry.done.push({ resolve, reject })
      this.#waiting.set(key, entry)
      if (this.#waiting.size >= this.#max) this.#flush()
      else this.#timer ??= setTimeout(() => this.#flush(), this.#windowMs)
    })
  }

  #flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = [...this.#waiting.values()]
    this.#waiting = new Map()
    if (batch.length === 0) return
    this.#pay(batch.map((w) => w.leaf)).then(
      (tickets) => batch.forEach((w, i) => w.done.forEach((d) => d.resolve(tickets[i]!))),
      (err: unknown) => batch.forEach((w) => w.done.forEach((d) => d.reject(err))),
    )
  }
}
