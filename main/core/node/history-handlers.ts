// The API's version-history commands: list a file's kept versions and restore
// one. Drive errors become answers the caller can act on (no such file or
// version: 404; a file busy being written: 409; a folder or bad path: 400).
import { ApiError } from '../api/index.ts'
import type { FileVersion, FileVersions, Handlers } from '../api/index.ts'
import type { Drive } from '../drive/index.ts'
import { FsError } from '../drive/index.ts'

type HistoryHandlers = Pick<Handlers, 'files-versions' | 'files-restore'>

const STATUS_BY_CODE: Record<string, number> = {
  ENOENT: 404,
  EBUSY: 409,
  EISDIR: 400,
  ENOTDIR: 400,
  EINVAL: 400,
}

/** What the history commands need of a node: its open drive, if any. */
export interface HistoryNode {
  readonly drive: Drive | undefined
}

function openDrive(node: HistoryNode): Drive {
  if (!node.drive) throw new ApiError(409, 'no drive is open: log in to an account first')
  return node.drive
}

function asApiError(err: unknown): unknown {
  if (!(err instanceof FsError)) return err
  return new ApiError(STATUS_BY_CODE[err.code] ?? 500, err.message.replace(/^[A-Z]+: /, ''))
}

function listing(drive: Drive, path: string): FileVersions {
  const l = drive.listVersions(path)
  return {
    path: l.path,
    exists: l.exists,
    versions: l.versions.map((v) => ({
      number: v.number,
      at: v.at,
      size: v.size,
      device: v.device,
      current: v.number === l.current,
    })),
  }
}

export function historyHandlers(node: () => HistoryNode): HistoryHandlers {
  return {
    'files-versions': async ({ path }) => {
      try {
        return listing(openDrive(node()), path)
      } catch (err) {
        throw asApiError(err)
      }
    },
    'files-restore': async ({ path, version, at }) => {
      const drive = openDrive(node())
      try {
        const chosen = await drive.restoreVersion(path, { number: version, at })
        const after = listing(drive, path)
        const restored: FileVersion = {
          number: chosen.number,
          at: chosen.at,
          size: chosen.size,
          device: chosen.device,
          current: false,
        }
        return { path: after.path, restored, versions: after.versions }
      } catch (err) {
        throw asApiError(err)
      }
    },
  }
}
