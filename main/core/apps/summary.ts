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
  }
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
