// The open account's storage balance, for status: asked of its balance group
// when the account opens and every half minute after (each ask also carries
// this vault's backs, so the allowance grows in every hour the node runs).
// status() is synchronous, so it shows the last answer and when it came.
import type { StorageBalance } from '../farming/index.ts'
import type { OwnerKey } from '../records/index.ts'

const EVERY_MS = 30_000

export interface StorageStatus {
  /** Bytes the account has had paid for. */
  used_bytes: number
  /** Bytes it may have paid for in all, earned by the vaults that back it and bought. */
  allowance_bytes: number
  /** Of the allowance, bytes bought with coin. */
  bought_bytes: number
  /** When its balance group last answered (ms since the epoch). */
  checked_at: number
}

export class StorageWatch {
  readonly #ask: (account: OwnerKey) => Promise<StorageBalance | undefined>
  readonly #log: (line: string) => void
  #account: OwnerKey | undefined
  #last: StorageStatus | undefined
  #timer: NodeJS.Timeout | undefined
  #soon: NodeJS.Timeout | undefined

  constructor(ask: (account: OwnerKey) => Promise<StorageBalance | undefined>, log: (line: string) => void) {
    this.#ask = ask
    this.#log = log
  }

  /** Follows this account's balance from now on (undefined: none). */
  follow(account: OwnerKey | undefined): void {
    clearInterval(this.#timer)
    clearTimeout(this.#soon)
    this.#timer = this.#soon = undefined
    this.#account = account
    this.#last = undefined
    if (!account) return
    void this.#refresh(account)
    this.#timer = setInterval(() => void this.#refresh(account), EVERY_MS)
    this.#timer.unref()
  }

  /** Asks again in a second: chunks were just paid for (several batches at once make one ask). */
  refreshSoon(): void {
    const account = this.#account
    if (!account || this.#soon) return
    this.#soon = setTimeout(() => {
      this.#soon = undefined
      void this.#refresh(account)
    }, 1_000)
    this.#soon.unref()
  }

  current(): StorageStatus | undefined {
    return this.#last
  }

  async #refresh(account: OwnerKey): Promise<void> {
    const row = await this.#ask(account).catch((err: unknown) => {
      this.#log(`asking for the storage balance failed: ${(err as Error).message}`)
      return undefined
    })
    // an answer for an account closed meanwhile is dropped
    if (!row || account !== this.#account) return
    this.#last = {
      used_bytes: row.used,
      allowance_bytes: row.allowance,
      bought_bytes: row.bought,
      checked_at: Date.now(),
    }
  }

  stop(): void {
    this.follow(undefined)
  }
}
