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
  /** The account it was sent to; null for a share handed out as a link. */
  with: string | null
  /** A folder shared for writing: its own drive, mounted at `path` (then `link` is empty). */
  write?: boolean
}

/** What the dashboard and the CLI see of a share opened into "Shared with me/". */
export interface ReceivedSummary {
  /** Its folder (or file) name under "Shared with me/". */
  name: string
  link: string
  /** The account that sent it, when it was sent to this account rather than opened from a link. */
  from: string | null
  added_at: number
  kind: 'file' | 'folder' | null
  state: 'live' | 'revoked' | 'expired' | 'unreachable' | 'removed'
  files: number
  bytes: number
  error: string | null
  /** A folder shared with this account for writing (then `link` is empty). */
  write?: boolean
}
