// Upload and download limits: one token bucket per direction, shared by the
// drive's sync (puts and gets) and by this vault answering others' GETs.
// A limit of 0 means unlimited. A change of limit applies at once, also to
// transfers already waiting: the wait is worked out again on every tick.
import type { ChunkStore } from '../chunk-store.ts'

/** How often a waiting transfer looks again at the bucket (and at a changed limit). */
const TICK_MS = 100

interface Waiter {
  bytes: number
  resolve: () => void
}

/**
 * Bytes per second with a burst of one second's worth. A transfer larger than
 * the burst goes once the bucket is full and leaves it in debt, so the average
 * rate holds whatever the chunk size.
 */
export class TokenBucket {
  private rate = 0
  private tokens = 0
  private last = Date.now()
  private readonly queue: Waiter[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(bytesPerSecond = 0) {
    this.setRate(bytesPerSecond)
  }

  get bytesPerSecond(): number {
    return this.rate
  }

  setRate(bytesPerSecond: number): void {
    this.refill()
    const rate = Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? Math.floor(bytesPerSecond) : 0
    // a new limit starts from a full burst and no debt: what was owed at the old rate is not carried over
    if (rate !== this.rate) this.tokens = rate
    this.rate = rate
    this.pump()
  }

  /** Resolves when `bytes` may pass. */
  take(bytes: number): Promise<void> {
    if (this.rate === 0 && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => {
      this.queue.push({ bytes: Math.max(0, bytes), resolve })
      this.pump()
    })
  }

  private refill(): void {
    const now = Date.now()
    if (this.rate > 0) this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000)
    this.last = now
  }

  private pump(): void {
    this.refill()
    while (this.queue.length > 0) {
      const head = this.queue[0]!
      if (this.rate > 0 && this.tokens < Math.min(head.bytes, this.rate)) break
      this.queue.shift()
      if (this.rate > 0) this.tokens -= head.bytes
      head.resolve()
    }
    if (this.queue.length === 0 || this.timer) return
    const head = this.queue[0]!
    const wait = ((Math.min(head.bytes, this.rate) - this.tokens) * 1000) / this.rate
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.pump()
      },
      Math.max(1, Math.min(TICK_MS, Math.ceil(wait))),
    )
  }
}

export interface BandwidthLimits {
  /** Bytes per second this node sends (0: unlimited). */
  upload: number
  /** Bytes per second this node receives (0: unlimited). */
  download: number
}

/** The node's two buckets. */
export class Bandwidth {
  readonly up = new TokenBucket()
  readonly down = new TokenBucket()

  set(limits: Partial<BandwidthLimits>): void {
    if (limits.upload !== undefined) this.up.setRate(limits.upload)
    if (limits.download !== undefined) this.down.setRate(limits.download)
  }

  limits(): BandwidthLimits {
    return { upload: this.up.bytesPerSecond, download: this.down.bytesPerSecond }
  }
}

type Store = Pick<ChunkStore, 'get' | 'put'> & {
  putCopies?(address: Uint8Array, bytes: Uint8Array): Promise<number>
  readonly replicas?: number
}

/** The drive's view of the network: a put waits for upload room before it sends, a get for download room after it arrives. */
export function throttledStore<S extends Store>(inner: S, bandwidth: Bandwidth): Store {
  const putCopies = inner.putCopies?.bind(inner)
  return {
    replicas: inner.replicas,
    async put(address, bytes) {
      await bandwidth.up.take(bytes.byteLength)
      return inner.put(address, bytes)
    },
    async get(address) {
      const bytes = await inner.get(address)
      await bandwidth.down.take(bytes.byteLength)
      return bytes
    },
    ...(putCopies
      ? {
          async putCopies(address: Uint8Array, bytes: Uint8Array) {
            await bandwidth.up.take(bytes.byteLength)
            return putCopies(address, bytes)
          },
        }
      : {}),
  }
}

/** A vault as it answers other nodes: each chunk it serves waits for upload room first. */
export function throttledServing<H extends Pick<ChunkStore, 'get'>>(holder: H, bandwidth: Bandwidth): H {
  return {
    ...holder,
    async get(address: Uint8Array) {
      const bytes = await holder.get(address)
      await bandwidth.up.take(bytes.byteLength)
      return bytes
    },
  }
}
