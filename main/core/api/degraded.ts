// One wording for "some files have fewer than R copies elsewhere", shared by
// `peerdrive status`, the tray and the dashboard. Pure: no Node imports, so
// the dashboard bundles it too.
import type { DegradedFile, StatusResult } from './contract.ts'

/** The copies wanted when a node does not say (the network's R). */
export const WANTED_COPIES = 4

export interface DegradedSummary {
  files: number
  /** Copies of the least-replicated file on vaults other than this node; null when the node does not list them. */
  least: number | null
  of: number
}

/** What is below R in a status, or null when nothing is (or the node is too old to say). */
export function degradedSummary(sync: StatusResult['sync']): DegradedSummary | null {
  const list: DegradedFile[] = sync.degraded ?? []
  const files = Math.max(sync.files_degraded ?? 0, list.length)
  if (files === 0 && sync.state !== 'degraded') return null
  const of = list[0]?.of ?? WANTED_COPIES
  const counts = [...list.map((f) => f.copies), ...(sync.tree_copies === undefined ? [] : [sync.tree_copies])]
  const least = counts.length > 0 ? Math.min(...counts) : null
  return { files, least, of }
}

/** "2 files below 4 copies (1 of 4)" */
export function degradedText(d: DegradedSummary): string {
  const files = d.files === 1 ? '1 file' : d.files > 1 ? `${d.files} files` : 'recent changes'
  return `${files} below ${d.of} copies${d.least === null ? '' : ` (${d.least} of ${d.of})`}`
}

/** A file's own state, as the Files view shows it: "degraded (1 of 4)". */
export function degradedFileText(f: Pick<DegradedFile, 'copies' | 'of'>): string {
  return `degraded (${f.copies} of ${f.of})`
}
