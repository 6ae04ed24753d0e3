// A chunk store whose puts are tried again when they fail, as the drive's
// sync queue tries a chunk again: a benchmark then measures what a user of
// the drive would wait for, and reports how many retries it took, instead
// of ending at the first chunk no group accepted.
import type { ChunkStore } from '../chunk-store.ts'

export interface RetryingStore extends ChunkStore {
  /** Puts that failed and were tried again. */
  readonly retries: number
}

export function retryingPuts(
  store: ChunkStore,
  opts: { attempts?: number; delayMs?: number; log?: (line: string) => void } = {},
): RetryingStore {
  const attempts = opts.attempts ?? 5
  const delayMs = opts.delayMs ?? 2_000
  let retries = 0
  return {
    get retries() {
      return retries
    },
    async put(address, bytes) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await store.put(address, bytes)
        } catch (err) {
          if (attempt >= attempts) throw err
          retries++
          opts.log?.(`  a put failed (${(err as Error).message}); again in ${delayMs / 1000} s`)
          await new Promise((resolve) => setTimeout(resolve, delayMs * attempt))
        }
      }
    },
    get: (address) => store.get(address),
    has: (address) => store.has(address),
    delete: (address) => store.delete(address),
  }
}
