// A client's receipts go to the vault that served the chunks, a batch at a
// time: each one sent alone cost a stream as dear as the GET it followed
// (on a loopback network, half the GETs' throughput). Receipts that lose
// need nothing but their signature; they wait up to the window, or until a
// batch is full, and go in one RECEIPTS message.
import type { VaultPeer } from '../net/vault-peer.ts'
import { MAX_BATCHED_RECEIPTS } from './messages.ts'
import type { Receipt } from './receipt.ts'

interface Queue {
  vault: VaultPeer
  receipts: Receipt[]
  timer: NodeJS.Timeout
  sent: Promise<void>
  flush: () => void
}

export class ReceiptBatches {
  readonly #send: (vault: VaultPeer, receipts: Receipt[]) => Promise<unknown>
  readonly #windowMs: number
  readonly #queues = new Map<string, Queue>()

  constructor(send: (vault: VaultPeer, receipts: Receipt[]) => Promise<unknown>, windowMs = 50) {
    this.#send = send
    this.#windowMs = windowMs
  }

  /** Queues a receipt for its vault; resolves once the batch it is in was sent (answered or failed). */
  add(vault: VaultPeer, receipt: Receipt): Promise<void> {
    const queue = this.#queues.get(vault.key) ?? this.#open(vault)
    queue.receipts.push(receipt)
    if (queue.receipts.length >= MAX_BATCHED_RECEIPTS) queue.flush()
    return queue.sent
  }

  #open(vault: VaultPeer): Queue {
    let flush!: () => void
    const sent = new Promise<void>((resolve) => {
      flush = () => {
        clearTimeout(queue.timer)
        // the next receipt for this vault starts a new batch
        if (this.#queues.get(vault.key) === queue) this.#queues.delete(vault.key)
        this.#send(vault, queue.receipts).then(
          () => resolve(),
          () => resolve(),
        )
      }
    })
    const queue: Queue = {
      vault,
      receipts: [],
      sent,
      flush,
      timer: setTimeout(() => flush(), this.#windowMs),
    }
    queue.timer.unref()
    this.#queues.set(vault.key, queue)
    return queue
  }
}
