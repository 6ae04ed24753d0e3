// An app's usage price, paid from the user's wallet to the app's developer
// wallet once per period while the app is granted. The user consented to the
// price when granting (the request shows it); the payments are kept beside the
// grant in apps.json and shown with the app. Payments run one at a time, so a
// payment cut short by a crash can be settled from the wallet's own history.
import type { AppEntry } from './grants.ts'

/** How long one paid period lasts (a network parameter): thirty days. */
export const USAGE_PERIOD_MS = 30 * 24 * 3_600_000

/** How many periods' payments an app keeps on record. */
const KEPT_PAYMENTS = 24

/** The user's wallet, as the payments need it. */
export interface UsageWallet {
  /** The open account's wallet id; undefined while no account is open (nothing is paid then). */
  id(): string | undefined
  /** Sends one coin to `to`; false when the wallet holds none or the coin's group refused it. */
  payOne(to: string): Promise<boolean>
  /** How many coins this wallet sent to `to` at or after `since`, by its history. */
  sentSince(to: string, since: number): number
}

export interface PaymentBook {
  list(): AppEntry[]
  save(): Promise<void>
}

export class UsagePayments {
  private readonly book: PaymentBook
  private readonly wallet: UsageWallet
  private readonly periodMs: number
  private readonly log: (line: string) => void
  private queue: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined

  constructor(
    book: PaymentBook,
    wallet: UsageWallet,
    periodMs = USAGE_PERIOD_MS,
    log: (line: string) => void = () => {},
  ) {
    this.book = book
    this.wallet = wallet
    this.periodMs = periodMs
    this.log = log
  }

  /** Looks for what is due now and then every so often (a tenth of a period, at most a minute). */
  start(): void {
    if (this.timer) return
    const every = Math.min(60_000, Math.max(1_000, Math.floor(this.periodMs / 10)))
    this.timer = setInterval(() => void this.payDue().catch(() => {}), every)
    this.timer.unref()
    void this.payDue().catch(() => {})
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Pays every granted app's price for the period `now` falls in, unless paid already; one run at a time. */
  payDue(now = Date.now()): Promise<void> {
    const run = this.queue.then(() => this.payAll(now))
    this.queue = run.catch(() => {})
    return run
  }

  /** Waits for the payments under way. */
  settled(): Promise<void> {
    return this.queue
  }

  private async payAll(now: number): Promise<void> {
    const self = this.wallet.id()
    if (!self) return
    const period = Math.floor(now / this.periodMs)
    for (const entry of this.book.list()) {
      const price = entry.manifest.usage_price
      if (entry.state !== 'granted' || price <= 0) continue
      const to = entry.manifest.developer_wallet
      const payments = (entry.payments ??= [])
      let p = payments.find((x) => x.period === period)
      if (p?.state === 'paid') continue
      if (to === self) {
        if (p) continue
        payments.push({
          period,
          due: price,
          paid: 0,
          state: 'paid',
          started_at: Date.now(),
          reason: 'the developer is this wallet',
        })
        await this.book.save()
        continue
      }
      const before = p ? `${p.state} ${p.paid}` : ''
      if (!p) {
        p = { period, due: price, paid: 0, state: 'paying', started_at: Date.now() }
        payments.push(p)
        payments.splice(0, Math.max(0, payments.length - KEPT_PAYMENTS))
      } else if (p.state === 'paying') {
        // the node stopped while paying: what went is in the wallet's history
        p.paid = Math.min(p.due, this.wallet.sentSince(to, p.started_at))
      }
      p.state = 'paying'
      delete p.reason
      // on disk before the first coin moves, so a crash never pays the period twice
      await this.book.save()
      while (p.paid < p.due && (await this.wallet.payOne(to).catch(() => false))) p.paid++
      p.state = p.paid >= p.due ? 'paid' : 'owed'
      if (p.state === 'owed')
        p.reason = `paid ${p.paid} of ${p.due}: the wallet holds too few coins, or their groups refused`
      await this.book.save()
      // an owed payment is tried again every few minutes: logged only when something changed
      if (`${p.state} ${p.paid}` !== before)
        this.log(
          `app "${entry.manifest.name}": ${p.paid} of ${p.due} coin(s) paid to its developer for this period${p.state === 'owed' ? ' (the rest is owed)' : ''}`,
        )
    }
  }
}
