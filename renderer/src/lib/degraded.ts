// Files kept on fewer than R vaults besides this node, as the dashboard says
// it (the same words as `peerdrive status` and the tray). Fields read as
// optional: a node that does not report them yet shows nothing.
import type { DegradedFile, RecentFile, StatusResult } from '../../../main/core/api/contract.ts'

const WANTED_COPIES = 4

export interface Degraded {
  files: number
  /** The fewest copies any of them has elsewhere; null when the node does not list them. */
  least: number | null
  of: number
  list: DegradedFile[]
}

export function degradedOf(sync: StatusResult['sync'] | undefined): Degraded | null {
  if (!sync) return null
  const list = sync.degraded ?? []
  const files = Math.max(sync.files_degraded ?? 0, list.length)
  if (files === 0 && sync.state !== 'degraded') return null
  const counts = [...list.map((f) => f.copies), ...(sync.tree_copies === undefined ? [] : [sync.tree_copies])]
  const least = counts.length > 0 ? Math.min(...counts) : null
  return { files, least, of: list[0]?.of ?? WANTED_COPIES, list }
}

/** "2 files below 4 copies (1 of 4)" */
export function degradedText(d: Degraded): string {
  const files = d.files === 1 ? '1 file' : d.files > 1 ? `${d.files} files` : 'Recent changes'
  return `${files} below ${d.of} copies${d.least === null ? '' : ` (${d.least} of ${d.of})`}`
}

/** A recent file's copies when it is degraded: from the file itself, or by its name in the status. */
export function fileDegraded(f: RecentFile, d: Degraded | null): { copies: number; of: number } | null {
  if (f.sync === 'degraded') return { copies: f.copies ?? 0, of: f.of ?? d?.of ?? WANTED_COPIES }
  if (!d || f.sync === 'error') return null
  const name = f.path.slice(f.path.lastIndexOf('/') + 1)
  const hit = d.list.find((x) => x.name === name || x.name === f.path)
  return hit ? { copies: hit.copies, of: hit.of } : null
}
