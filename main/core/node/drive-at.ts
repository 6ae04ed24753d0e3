// Which drive a path of the mount belongs to: a folder shared for writing
// mounted there (a drive of its own), or the account's own drive. The file
// commands (history, keep and free) act on that drive with the path inside
// it, and answer with the mount's path.
import { ApiError } from '../api/index.ts'
import type { Drive } from '../drive/index.ts'

export interface DrivesNode {
  readonly drive: Drive | undefined
  /** The folder shared for writing that holds `path`, with the path inside it. */
  holding?(path: string): { drive: Drive; inner: string; at: string } | undefined
}

export interface DriveAt {
  drive: Drive
  /** The path inside `drive`. */
  path: string
  /** The mount's path for a path inside `drive`. */
  outer(inner: string): string
}

export function driveAt(node: DrivesNode, path: string): DriveAt {
  if (!node.drive) throw new ApiError(409, 'no drive is open: log in to an account first')
  const held = node.holding?.(path)
  if (!held) return { drive: node.drive, path, outer: (inner) => inner }
  return {
    drive: held.drive,
    path: held.inner,
    outer: (inner) => (inner === '/' ? held.at : `${held.at}${inner}`),
  }
}
