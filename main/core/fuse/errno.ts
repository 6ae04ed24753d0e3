// Failures as the kernel sees them: an FsError becomes its errno, anything
// else becomes EIO and a log line (a bug or an outage the user should not see
// as a wrong answer, and the mount must survive).
import { constants } from 'node:os'
import type { FsErrorCode } from '../drive/fs-types.ts'
import { FsError } from '../drive/fs-types.ts'

export type Log = (line: string) => void

const errnos = constants.errno as Record<string, number | undefined>

/** The negative errno fuse-native passes to the kernel for `code`. */
export function errnoFor(code: FsErrorCode | 'EIO'): number {
  return -(errnos[code] ?? constants.errno.EIO)
}

/** The errno name an FsError carries, or undefined for any other failure. */
export function fsErrorCode(err: unknown): FsErrorCode | undefined {
  if (err instanceof FsError) return err.code
  // An FsError from another copy of the module still carries its name and code.
  const e = err as { name?: unknown; code?: unknown } | null
  if (e?.name === 'FsError' && typeof e.code === 'string' && errnos[e.code] !== undefined) {
    return e.code as FsErrorCode
  }
  return undefined
}

/**
 * System errors the disk under the journal gives that a program should see as
 * they are: a full disk is ENOSPC, not an I/O error.
 */
const PASSED_THROUGH: Record<string, string> = {
  ENOSPC: 'ENOSPC',
  EDQUOT: 'EDQUOT',
  EFBIG: 'EFBIG',
  // better-sqlite3's name for a full disk under drive.sqlite
  SQLITE_FULL: 'ENOSPC',
}

/** The reply for an operation that threw `err`; logs what is not an FsError. */
export function errnoOf(err: unknown, op: string, path: string, log: Log): number {
  const code = fsErrorCode(err)
  if (code) return errnoFor(code)
  const sys = (err as { code?: unknown } | null)?.code
  const passed = typeof sys === 'string' ? PASSED_THROUGH[sys] : undefined
  if (passed) {
    log(`fuse: ${op} ${path}: ${sys} from the local disk`)
    return -(errnos[passed] ?? constants.errno.EIO)
  }
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  log(`fuse: ${op} ${path} failed, answered EIO: ${what.replace(/\s*\n\s*/g, ' ')}`)
  return errnoFor('EIO')
}
