// A small pool of chunk workers. Started on first use, so a process that only
// parses handles never pays for threads. An idle worker is unref'd, so it
// never keeps a CLI process alive; a worker with work in flight is ref'd, so
// the process cannot exit under a pending encrypt. close() ends them all (the
// SelfEncryptor makes a new pool if it is used again).
import { Worker } from 'node:worker_threads'
import type { WireError, WorkerReply, WorkerRequest } from './wire.ts'
import { errorFromWire } from './wire.ts'
import { PeerDriveError } from '../errors.ts'

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
}

interface Slot {
  readonly worker: Worker
  readonly pending: Map<number, Pending>
}

const WORKER_URL = new URL('./worker.ts', import.meta.url)

function closedError(): Error {
  return new PeerDriveError('SelfEncryptorClosed', 'the self-encryptor was closed during the operation')
}

export class WorkerPool {
  readonly size: number
  #slots: Slot[] = []
  #nextId = 1
  #closed = false

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool size must be ≥ 1, got ${size}`)
    this.size = size
  }

  /** Workers currently running (0 until first use and after close). */
  get started(): number {
    return this.#slots.length
  }

  /** Runs `req` on the least busy worker; `transfer` lists the buffers moved with it. */
  run<T>(req: WorkerRequest, transfer: ArrayBuffer[]): Promise<T> {
    if (this.#closed) return Promise.reject(closedError())
    while (this.#slots.length < this.size) this.#slots.push(this.#spawn())
    let slot = this.#slots[0]!
    for (const s of this.#slots) if (s.pending.size < slot.pending.size) slot = s
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref()
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      try {
        slot.worker.postMessage({ id, req }, transfer)
      } catch (err) {
        this.#settle(slot, id)
        reject(err as Error)
      }
    })
  }

  /** Stops every worker; work in flight and later work are rejected. */
  async close(): Promise<void> {
    this.#closed = true
    const slots = this.#slots
    this.#slots = []
    await Promise.all(
      slots.map(async (slot) => {
        this.#fail(slot, closedError())
        await slot.worker.terminate()
      }),
    )
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL)
    worker.unref()
    const slot: Slot = { worker, pending: new Map() }
    worker.on('message', (reply: WorkerReply) => {
      const p = this.#settle(slot, reply.id)
      if (!p) return
      if (reply.ok) p.resolve(reply.result)
      else p.reject(errorFromWire(reply.error as WireError))
    })
    const lost = (err: Error): void => {
      this.#slots = this.#slots.filter((s) => s !== slot)
      this.#fail(slot, err)
      void worker.terminate()
    }
    worker.on('error', lost)
    worker.on('messageerror', lost)
    worker.on('exit', (code) => lost(new Error(`selfenc worker exited with code ${code}`)))
    return slot
  }

  #settle(slot: Slot, id: number): Pending | undefined {
    const p = slot.pending.get(id)
    slot.pending.delete(id)
    if (p && slot.pending.size === 0) slot.worker.unref()
    return p
  }

  #fail(slot: Slot, err: Error): void {
    const waiting = [...slot.pending.values()]
    slot.pending.clear()
    slot.worker.unref()
    for (const p of waiting) p.reject(err)
  }
}
