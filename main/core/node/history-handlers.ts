// The API's version-history commands: list a file's kept versions and restore
// one. Drive errors become answers the caller can act on (no such file or
// version: 404; a file busy being written: 409; a folder or bad path: 400).
import { ApiError } from '../api/index.ts'
import type { FileVersion, FileVersions, Handlers } from '../api/index.ts'
import { FsError } from '../drive/index.ts'
import { driveAt } from './drive-at.ts'
import type { DriveAt, DrivesNode } from './drive-at.ts'

type HistoryHandlers = Pick<Handlers, 'files-versions' | 'files-restore'>

const STATUS_BY_CODE: Record<string, number> = {
  ENOENT: 404,
  EBUSY: 409,
  EISDIR: 400,
  ENOTDIR: 400,
  EINVAL: 400,
}

function asApiError(err: unknown): unknown {
  if (!(err instanceof FsError)) return err
  return new ApiError(STATUS_BY_CODE[err.code] ?? 500, err.message.replace(/^[A-Z]+: /, ''))
}

function listing({ drive, path, outer }: DriveAt): FileVersions {
  const l = drive.listVersions(path)
  return {
    path: outer(l.path),
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

export function historyHandlers(node: () => DrivesNode): HistoryHandlers {
  return {
    'files-versions': async ({ path }) => {
      try {
        return listing(driveAt(node(), path))
      } catch (err) {
        throw asApiError(err)
      }
    },
    'files-restore': async ({ path, version, at }) => {
      const target = driveAt(node(), path)
      try {
        const chosen = await target.drive.restoreVersion(target.path, { number: version, at })
        const after = listing(target)
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
