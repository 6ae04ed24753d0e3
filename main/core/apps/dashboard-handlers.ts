// The dashboard's commands for apps: list the requests and grants, grant,
// deny, revoke, read an app's log, and fetch public data by its address.
import type { Handlers } from '../api/contract.ts'
import type { Apps } from './apps.ts'

type AppsHandlers = Pick<
  Handlers,
  'apps-list' | 'apps-grant' | 'apps-deny' | 'apps-revoke' | 'apps-log' | 'public-get'
>

export interface AppsHandledNode {
  readonly apps: Apps
}

export function appsHandlers(node: () => AppsHandledNode): AppsHandlers {
  return {
    'apps-list': async () => ({ apps: node().apps.list() }),
    'apps-grant': async ({ id, read_folders }) => node().apps.grant(id, read_folders ?? []),
    'apps-deny': async ({ id }) => node().apps.deny(id),
    'apps-revoke': async ({ id }) => node().apps.revoke(id),
    'apps-log': async ({ id, limit }) => ({ entries: node().apps.entries(id, limit) }),
    'public-get': async ({ address }) => node().apps.fetch(address),
  }
}
