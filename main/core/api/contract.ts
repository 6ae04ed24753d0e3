// The one typed contract between the node and everything that drives it (CLI,
// tray, window): commands with their arguments and results.
export interface StatusResult {
  mounted: boolean
  mount: string | null
  sync: {
    state: 'synced' | 'syncing' | 'error' | 'offline' | 'no-drive'
    files_pending: number
    bytes_pending: number
    uploading: { name: string; done: number; total: number }[]
    errors: { name: string; error: string }[]
  }
  vault: { dir: string; donated_bytes: number; used_bytes: number; chunks: number }
  peers: number
  network: { size: number; repairs: number; last_repair_at: number | null }
  peer_id: string
  addresses: string[]
}

export interface ApiCommands {
  status: { args: Record<string, never>; result: StatusResult }
  /** Changes the donation; lowering it hands chunks off first. */
  'set-donation': { args: { bytes: number }; result: { excess: number; moved: number } }
}

export type CommandName = keyof ApiCommands
export type Handlers = {
  [K in CommandName]: (args: ApiCommands[K]['args']) => Promise<ApiCommands[K]['result']>
}
