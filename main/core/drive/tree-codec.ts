// A directory as stored in the network: a small JSON document listing its
// entries, self-encrypted like any file. Decoding checks every field, since a
// directory fetched from the network is untrusted until it parses.
import { PeerDriveError } from '../errors.ts'
import type { EntryKind } from './fs-types.ts'

export const DIR_FORMAT = 1
const MAX_NAME_BYTES = 255
const MAX_ENTRIES = 1_000_000

export interface DirEntry {
  name: string
  kind: EntryKind
  mode: number
  size: number
  mtime: number
  /** Content handle (file) or directory handle (dir); absent for symlinks and empty files. */
  handle?: string
  target?: string
  uid?: number
  gid?: number
  /** Device number (character and block devices). */
  rdev?: number
  /** Names of one inode (hard links) share this number within a drive. */
  link?: number
}

const KINDS = new Set(['file', 'dir', 'symlink', 'fifo', 'socket', 'char', 'block'])

function optionalUint(v: unknown): boolean {
  return v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0)
}

export class DirectoryInvalidError extends PeerDriveError {
  constructor(why: string) {
    super('DirectoryInvalid', `directory blob is invalid: ${why}`)
  }
}

export function encodeDirectory(entries: DirEntry[]): Uint8Array {
  return Buffer.from(JSON.stringify({ v: DIR_FORMAT, entries }), 'utf8')
}

export function decodeDirectory(bytes: Uint8Array): DirEntry[] {
  let doc: { v?: unknown; entries?: unknown }
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch {
    throw new DirectoryInvalidError('not JSON')
  }
  if (doc?.v !== DIR_FORMAT) throw new DirectoryInvalidError(`unknown format ${String(doc?.v)}`)
  if (!Array.isArray(doc.entries) || doc.entries.length > MAX_ENTRIES)
    throw new DirectoryInvalidError('no entry list')
  const seen = new Set<string>()
  return doc.entries.map((raw: unknown) => {
    const e = raw as Record<string, unknown>
    const ok =
      typeof e?.name === 'string' &&
      e.name.length > 0 &&
      Buffer.byteLength(e.name) <= MAX_NAME_BYTES &&
      !e.name.includes('/') &&
      e.name !== '.' &&
      e.name !== '..' &&
      KINDS.has(e.kind as string) &&
      Number.isSafeInteger(e.mode) &&
      Number.isSafeInteger(e.size) &&
      (e.size as number) >= 0 &&
      Number.isFinite(e.mtime) &&
      (e.handle === undefined || typeof e.handle === 'string') &&
      (e.target === undefined || typeof e.target === 'string') &&
      optionalUint(e.uid) &&
      optionalUint(e.gid) &&
      optionalUint(e.rdev) &&
      optionalUint(e.link)
    if (!ok) throw new DirectoryInvalidError('bad entry')
    if (seen.has(e.name as string)) throw new DirectoryInvalidError(`duplicate name ${String(e.name)}`)
    seen.add(e.name as string)
    return e as unknown as DirEntry
  })
}
