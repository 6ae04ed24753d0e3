// The API's sharing commands: share a file or folder by a link, list this
// account's shares, revoke them; and public-get, which reads a pd1: address
// or what a pds1: share link names now.
import { ApiError } from '../api/index.ts'
import type { Handlers } from '../api/index.ts'
import type { Apps } from '../apps/index.ts'
import { contentJson } from '../apps/gate.ts'
import type { ChunkStore } from '../chunk-store.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import type { ReceivedShares, Shares } from '../share/index.ts'
import { isShareLink, openShare, parseShareLink } from '../share/index.ts'
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
  readonly node: { network: Pick<ChunkStore, 'get'>; records: Pick<NetworkRecordStore, 'get' | 'put'> }
}

export function shareHandlers(node: () => ShareHandledNode): ShareHandlers {
  return {
    'share-create': async ({ path, expires_ms, with: to }) => node().shares.share(path, expires_ms, to),
    'share-list': async () => ({ shares: node().shares.list() }),
    'share-revoke': async ({ target }) => ({ shares: await node().shares.unshare(target) }),
    'shared-add': async ({ link }) => node().received.add(link),
    'shared-list': async () => ({ shared: node().received.list() }),
    'shared-remove': async ({ target }) => node().received.remove(target),
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
