// The API's files-on-demand commands: keep a file or folder on this device,
// free the space it takes, and say what is kept and what the cache uses.
import { ApiError } from '../api/index.ts'
import type { Handlers } from '../api/index.ts'
import type { Drive } from '../drive/index.ts'
import { FsError } from '../drive/index.ts'

type CacheHandlers = Pick<Handlers, 'files-keep' | 'files-free' | 'files-availability'>

export interface CacheNode {
  readonly drive: Drive | undefined
}

function openDrive(node: CacheNode): Drive {
  if (!node.drive) throw new ApiError(409, 'no drive is open: log in to an account first')
  return node.drive
}

async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (!(err instanceof FsError)) throw err
    throw new ApiError(err.code === 'ENOENT' ? 404 : 400, err.message.replace(/^[A-Z]+: /, ''))
  }
}

export function cacheHandlers(node: () => CacheNode): CacheHandlers {
  return {
    'files-keep': async ({ path }) => answering(() => openDrive(node()).onDemand.keep(path)),
    'files-free': async ({ path }) => answering(() => openDrive(node()).onDemand.free(path)),
    'files-availability': async ({ paths }) => {
      const onDemand = openDrive(node()).onDemand
      const kept = (paths ?? []).map((path) => {
        try {
          return { path, kept: onDemand.isKept(path) }
        } catch {
          return { path, kept: false }
        }
      })
      return { usage: onDemand.usage(), kept }
    },
  }
}
