// The dashboard's live picture of the node: loaded once, then kept current by
// the node's events (nothing polls in a loop).
import type {
  AccountStatus,
  ApiEvent,
  LogEntry,
  RecentFile,
  Settings,
  StatusResult,
} from '../../../main/core/api/contract.ts'
import { CommandError } from './transport.ts'
import type { Transport } from './transport.ts'
import type { WalletBalance, WalletHistory } from './wallet.ts'

export type Loadable<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'unavailable' }
  | { state: 'error'; message: string }

export interface Notice {
  kind: string
  message: string
  at: number
}

const MAX_LOG_LINES = 500
/** The wallet has no events of its own: it is re-read on status changes, at most this often. */
const WALLET_REFRESH_MS = 5000

export class NodeState {
  status = $state<StatusResult | null>(null)
  account = $state<AccountStatus | null>(null)
  settings = $state<Settings | null>(null)
  logs = $state<LogEntry[]>([])
  files = $state<RecentFile[]>([])
  balance = $state<Loadable<WalletBalance>>({ state: 'loading' })
  history = $state<Loadable<WalletHistory>>({ state: 'loading' })
  notices = $state<Notice[]>([])
  connected = $state(false)
  /** Why the dashboard cannot talk to the node at all (a refused token, a stopped node). */
  fatal = $state<string | null>(null)
  /** Upload rate in bytes per second, smoothed. */
  rate = $state(0)
  readonly transport: Transport
  private lastDone = new Map<string, number>()
  private lastAt = 0
  private walletReadAt = 0
  private filesTimer: ReturnType<typeof setTimeout> | undefined
  private unsubscribe: (() => void) | undefined

  constructor(transport: Transport) {
    this.transport = transport
  }

  call<T>(command: string, args: unknown = {}): Promise<T> {
    return this.transport.call(command, args) as Promise<T>
  }

  async start(): Promise<void> {
    try {
      this.onStatus(await this.call<StatusResult>('status'))
    } catch (err) {
      this.fatal =
        err instanceof CommandError && err.status === 401
          ? 'The node refused this dashboard: its access token is missing or wrong. Open the address the node printed.'
          : `The node does not answer: ${(err as Error).message}`
      return
    }
    this.unsubscribe = this.transport.subscribe(
      (e) => this.onEvent(e),
      (up) => (this.connected = up),
    )
    await Promise.all([
      this.call<AccountStatus>('account-status').then((a) => (this.account = a)),
      this.refreshSettings(),
      this.call<{ entries: LogEntry[] }>('logs', { limit: MAX_LOG_LINES }).then(
        (r) => (this.logs = r.entries),
      ),
      this.refreshFiles(),
      this.refreshWallet(),
    ]).catch(() => {})
  }

  stop(): void {
    this.unsubscribe?.()
  }

  async refreshSettings(): Promise<void> {
    this.settings = await this.call<Settings>('settings-get')
  }

  async refreshFiles(): Promise<void> {
    this.files = (await this.call<{ files: RecentFile[] }>('files-recent', { limit: 50 })).files
  }

  async refreshWallet(): Promise<void> {
    this.walletReadAt = Date.now()
    this.balance = await loadable(() => this.call<WalletBalance>('wallet-balance'))
    this.history = await loadable(() => this.call<WalletHistory>('wallet-history'))
  }

  private onEvent(e: ApiEvent): void {
    switch (e.type) {
      case 'status':
        this.onStatus(e.status)
        this.scheduleFilesRefresh()
        if (Date.now() - this.walletReadAt > WALLET_REFRESH_MS) void this.refreshWallet()
        break
      case 'log':
        this.logs = [...this.logs.slice(-(MAX_LOG_LINES - 1)), e.entry]
        break
      case 'account':
        this.account = e.account
        void this.refreshFiles()
        void this.refreshWallet()
        break
      case 'settings':
        this.settings = e.settings
        break
      case 'notice':
        this.notices = [...this.notices.slice(-4), { kind: e.kind, message: e.message, at: Date.now() }]
        break
    }
  }

  /** Status changes come in bursts while files upload: the file list follows at most twice a second. */
  private scheduleFilesRefresh(): void {
    if (this.filesTimer) return
    this.filesTimer = setTimeout(() => {
      this.filesTimer = undefined
      void this.refreshFiles().catch(() => {})
    }, 500)
  }

  private onStatus(s: StatusResult): void {
    const now = Date.now()
    let uploaded = 0
    const done = new Map<string, number>()
    for (const u of s.sync.uploading) {
      done.set(u.name, u.done)
      uploaded += Math.max(0, u.done - (this.lastDone.get(u.name) ?? 0))
    }
    const dt = (now - this.lastAt) / 1000
    if (this.lastAt > 0 && dt > 0) {
      const instant = s.sync.uploading.length > 0 ? uploaded / dt : 0
      this.rate = s.sync.uploading.length > 0 ? 0.5 * this.rate + 0.5 * instant : 0
    }
    this.lastDone = done
    this.lastAt = now
    this.status = s
  }
}

/** A command's answer, or "unavailable" when this node's build does not have the command (404). */
async function loadable<T>(read: () => Promise<T>): Promise<Loadable<T>> {
  try {
    return { state: 'ready', value: await read() }
  } catch (err) {
    if (err instanceof CommandError && err.status === 404) return { state: 'unavailable' }
    return { state: 'error', message: (err as Error).message }
  }
}
