// The API's files-on-demand commands: keep a file or folder on this device,
// free the space it takes, and say what is kept and what the cache uses.
import { ApiError } from '../api/index.ts'
import type { Handlers } from '../api/index.ts'
import { FsError } from '../drive/index.ts'
import { driveAt } from './drive-at.ts'
import type { DrivesNode } from './drive-at.ts'

type CacheHandlers = Pick<Handlers, 'files-keep' | 'files-free' | 'files-availability'>

async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (!(err instanceof FsError)) throw err
    throw new ApiError(err.code === 'ENOENT' ? 404 : 400, err.message.replace(/^[A-Z]+: /, ''))
  }
}

export function cacheHandlers(node: () => DrivesNode): CacheHandlers {
  return {
    'files-keep': async ({ path }) =>
      answering(async () => {
        const at = driveAt(node(), path)
        return { ...(await at.drive.onDemand.keep(at.path)), path }
      }),
    'files-free': async ({ path }) =>
      answering(async () => {
        const at = driveAt(node(), path)
        return { ...(await at.drive.onDemand.free(at.path)), path }
      }),
    'files-availability': async ({ paths }) => {
      const n = node()
      const usage = driveAt(n, '/').drive.onDemand.usage()
      const kept = (paths ?? []).map((path) => {
        try {
          const at = driveAt(n, path)
          return { path, kept: at.drive.onDemand.isKept(at.path) }
        } catch {
          return { path, kept: false }
        }
      })
      return { usage, kept }
    },
  }
}
