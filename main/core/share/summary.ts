// What the dashboard and the CLI see of a share (types only: the renderer reads them too).
export interface ShareSummary {
  id: string
  path: string
  kind: 'file' | 'folder'
  link: string
  state: 'live' | 'revoked' | 'expired'
  created_at: number
  expires_at: number | null
  revoked_at: number | null
  published_at: number | null
  error: string | null
}
