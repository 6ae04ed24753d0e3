// The API's sharing commands: share a file or folder by a link, list this
// account's shares, revoke them; and public-get, which reads a pd1: address
// or what a pds1: share link names now.
import { ApiError } from '../api/index.ts'
import type { Handlers } from '../api/index.ts'
import type { Apps } from '../apps/index.ts'
import { contentJson } from '../apps/gate.ts'
import type { ChunkStore } from '../chunk-store.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import type { Drive } from '../drive/index.ts'
import { UsageError } from '../errors.ts'
import type { ReceivedShares, SharedFolders, Shares } from '../share/index.ts'
import { SHARED_DIR, isShareLink, openShare, parseShareLink } from '../share/index.ts'
import type { PublicFetched } from '../apps/index.ts'

type ShareHandlers = Pick<
  Handlers,
  | 'share-create'
  | 'share-list'
  | 'share-revoke'
  | 'shared-add'
  | 'shared-list'
  | 'shared-remove'
  | 'public-get'
>

/** The most a share link's content read through the API returns. */
const MAX_SHARE_GET_BYTES = 256 * 2 ** 20

export interface ShareHandledNode {
  readonly shares: Shares
  readonly received: ReceivedShares
  readonly apps: Apps
  /** The open account's drive and its folders shared for writing. */
  readonly drive: Drive | undefined
  readonly folders: SharedFolders | undefined
  readonly node: { network: Pick<ChunkStore, 'get'>; records: Pick<NetworkRecordStore, 'get' | 'put'> }
}

export function shareHandlers(node: () => ShareHandledNode): ShareHandlers {
  return {
    'share-create': async ({ path, expires_ms, with: to, write }) => {
      const n = node()
      if (!write) return n.shares.share(path, expires_ms, to)
      if (!to) throw new UsageError('a folder is shared for writing with an account: name it (--with)')
      if (expires_ms !== undefined)
        throw new UsageError('a folder shared for writing does not expire: unshare it')
      const { drive, folders } = opened(n)
      return folders.share(drive, path, to)
    },
    'share-list': async () => {
      const n = node()
      return { shares: [...(n.folders?.sharedByMe() ?? []), ...n.shares.list()] }
    },
    'share-revoke': async ({ target }) => {
      const n = node()
      const folder = n.folders?.find(target)
      if (folder?.entry.role === 'owner') {
        const summary = n.folders!.sharedByMe().find((s) => s.id === folder.entry.id)
        if (!summary) throw new UsageError(`${folder.entry.at} is not shared with anyone`)
        await n.folders!.leave(target)
        return { shares: [{ ...summary, state: 'revoked', revoked_at: Date.now() }] }
      }
      if (folder)
        throw new UsageError(
          `${folder.entry.at} was shared with you: peerdrive shared remove "${folder.entry.at.slice(SHARED_DIR.length + 2)}" leaves it`,
        )
      return { shares: await n.shares.unshare(target) }
    },
    'shared-add': async ({ link }) => node().received.add(link),
    'shared-list': async () => {
      const n = node()
      return { shared: [...(n.folders?.sharedWithMe() ?? []), ...n.received.list()] }
    },
    'shared-remove': async ({ target }) => {
      const n = node()
      const summary = n.folders?.sharedWithMe().find((s) => s.name === target.trim())
      if (!summary) return n.received.remove(target)
      await n.folders!.leave(`/${SHARED_DIR}/${summary.name}`)
      return { ...summary, state: 'removed' }
    },
    'public-get': async ({ address }) => {
      const n = node()
      if (!isShareLink(address)) return n.apps.fetch(address)
      const content = await openShare(n.node.network, n.node.records, parseShareLink(address), {
        maxBytes: MAX_SHARE_GET_BYTES,
      }).catch((err: Error) => {
        if (err.name === 'ChunkMissing') throw new ApiError(404, 'the share names data that is not found')
        throw err
      })
      return contentJson(content) as PublicFetched
    },
  }
}

function opened(n: ShareHandledNode): { drive: Drive; folders: SharedFolders } {
  if (!n.drive || !n.folders) throw new UsageError('open an account first: its drive is what is shared')
  return { drive: n.drive, folders: n.folders }
}
