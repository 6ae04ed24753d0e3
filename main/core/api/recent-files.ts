// The drive's most recently changed files with their sync state, for the dashboard's Files view.
import type { DriveFs } from '../drive/index.ts'
import type { RecentFile } from './contract.ts'

/** Bounds the walk so a huge drive costs the dashboard a bounded amount of work. */
const MAX_ENTRIES_WALKED = 5000

/** A file whose content has not reached the network yet, with its upload progress if it is uploading. */
export interface PendingFile {
  ino: number
  error?: string | null
  done?: number
  total?: number
  /** Uploaded, but held by `copies` of the `of` vaults wanted. */
  degraded?: { copies: number; of: number }
}

export async function recentFiles(
  drive: Pick<DriveFs, 'getattr' | 'readdir'>,
  pending: PendingFile[],
  limit = 50,
): Promise<RecentFile[]> {
  const files: { path: string; size: number; modified_at: number; ino: number }[] = []
  const dirs = ['/']
  let walked = 0
  while (dirs.length > 0 && walked < MAX_ENTRIES_WALKED) {
    const dir = dirs.pop()!
    const names = await drive.readdir(dir).catch(() => [] as string[])
    for (const name of names) {
      if (name === '.' || name === '..') continue
      if (++walked > MAX_ENTRIES_WALKED) break
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`
      const attr = await drive.getattr(path).catch(() => undefined)
      if (!attr) continue
      if (attr.kind === 'dir') dirs.push(path)
      else if (attr.kind === 'file')
        files.push({ path, size: attr.size, modified_at: attr.mtimeMs, ino: attr.ino })
    }
  }
  files.sort((a, b) => b.modified_at - a.modified_at)
  const byIno = new Map(pending.map((p) => [p.ino, p]))
  return files.slice(0, limit).map(({ path, size, modified_at, ino }): RecentFile => {
    const p = byIno.get(ino)
    if (!p) return { path, size, modified_at, sync: 'synced' }
    if (p.error) return { path, size, modified_at, sync: 'error', error: p.error }
    if (p.degraded) return { path, size, modified_at, sync: 'degraded', ...p.degraded }
    return { path, size, modified_at, sync: 'syncing', done: p.done ?? 0, total: p.total ?? size }
  })
}
