// Claiming a directory as a vault. Recovery deletes what it does not
// recognise under tmp/ and chunks/, so a directory is only taken if it is
// empty, missing, or already a vault (it has the index) — never someone's
// existing folder that happens to have a tmp/ in it.
import { chmod, mkdir, readdir } from 'node:fs/promises'
import { VaultUnreadableError } from './errors.ts'
import { errno, fsyncDir, lstatOrUndefined, statOrUndefined } from './fs-steps.ts'
import { INDEX_FILE } from './layout.ts'
import type { VaultLayout } from './layout.ts'

/** Checks the directory can be a vault, and creates it if missing. */
export async function claimVaultDir(layout: VaultLayout): Promise<void> {
  const { root } = layout
  try {
    // stat, not lstat: a vault directory may well be a symlink to another disk.
    const rootStat = statOrUndefined(root)
    if (rootStat && !rootStat.isDirectory()) throw unreadable(layout, 'it is not a directory')
    if (!rootStat) await mkdir(root, { recursive: true, mode: 0o700 })
    const entries = await readdir(root)
    if (entries.length > 0 && !entries.includes(INDEX_FILE)) {
      throw unreadable(layout, `it is not empty and has no ${INDEX_FILE}, so it is not a PeerDrive vault`)
    }
    // a vault made by an older version (or by hand) may be open to others: it holds this node's keys
    if (rootStat && (rootStat.mode & 0o077) !== 0 && rootStat.uid === process.getuid?.())
      await chmod(root, 0o700)
  } catch (error) {
    throw asUnreadable(layout, error)
  }
}

/** Creates the vault's subdirectories (after the index exists, so a crash here leaves a recognisable vault). */
export async function ensureSubdirs(layout: VaultLayout): Promise<void> {
  try {
    let created = false
    for (const dir of [layout.chunks, layout.tmp, layout.quarantine]) {
      const found = lstatOrUndefined(dir)
      if (found && !found.isDirectory()) throw unreadable(layout, `${dir} is not a directory`)
      if (!found) {
        await mkdir(dir, { mode: 0o700 })
        created = true
      }
    }
    if (created) await fsyncDir(layout.root)
  } catch (error) {
    throw asUnreadable(layout, error)
  }
}

function unreadable(layout: VaultLayout, reason: string, cause?: unknown): VaultUnreadableError {
  return new VaultUnreadableError(layout.root, reason, cause)
}

/** Turns a file-system failure into a one-line VaultUnreadable naming what went wrong. */
export function asUnreadable(layout: VaultLayout, error: unknown): Error {
  if (error instanceof VaultUnreadableError) return error
  const code = errno(error)
  const path = (error as { path?: unknown }).path
  const where = typeof path === 'string' ? path : layout.root
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return unreadable(layout, `permission denied on ${where}`, error)
    case 'ENOTDIR':
      return unreadable(layout, `a file is in the way of ${where}`, error)
    case 'EEXIST':
      return unreadable(layout, `${where} exists and is not a directory`, error)
    case 'EROFS':
      return unreadable(layout, `${where} is on a read-only file system`, error)
    default:
      return unreadable(layout, error instanceof Error ? error.message : String(error), error)
  }
}
