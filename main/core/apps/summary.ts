// What the dashboard and the CLI see of an app (types only: the renderer reads them too).
export interface AppSummary {
  id: string
  name: string
  version: string
  developer_wallet: string
  usage_price: number
  state: 'pending' | 'granted' | 'denied' | 'revoked'
  requested_at: number
  decided_at: number | null
  /** What it asked for. */
  wants: { container: boolean; read_folders: boolean; publish: boolean; storage_bytes: number }
  /** What the user granted (null unless granted). */
  grant: { container: boolean; read_folders: string[]; publish: boolean; storage_bytes: number } | null
  /** Its folder in the drive. */
  container: string
  usage: {
    calls: number
    refused: number
    bytes_read: number
    bytes_written: number
    published: number
    last_call_at: number | null
    /** Coins its reads won for its developer: winning receipts whose coin is the developer's share. */
    developer_coins: number
  }
  /** The usage price paid to the developer, one line per period, latest last. */
  payments: UsagePayment[]
}

export interface UsagePayment {
  /** The period's index: floor(time / period length). */
  period: number
  /** The app's price for the period, in coins. */
  due: number
  paid: number
  /**
   * paying: under way (or cut short by a crash: settled from the wallet's history);
   * owed: the wallet held too few coins or the coins' groups refused; tried again within the period.
   */
  state: 'paying' | 'paid' | 'owed'
  /** When the first coin of this payment was about to be sent (the wallet's clock). */
  started_at: number
  reason?: string
}

export interface AppLogLine {
  at: number
  command: string
  target?: string
  outcome: 'ok' | 'refused' | 'failed'
  detail?: string
}

/** A public file or folder fetched by its address; file contents as base64. */
export interface PublicFetched {
  kind: 'file' | 'folder'
  name: string
  files: { path: string; size: number; data: string }[]
}
