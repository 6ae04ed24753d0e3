// `peerdrive status` says whether the network reaches this node and whether it is a client only.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { statusLines } from '../../main/commands/status.ts'
import type { StatusResult } from '../../main/core/api/index.ts'

function status(network: Partial<StatusResult['network']>): StatusResult {
  return {
    mounted: false,
    mount: null,
    sync: { state: 'no-drive', files_pending: 0, bytes_pending: 0, uploading: [], errors: [] },
    vault: { dir: '/v', donated_bytes: 2 ** 30, used_bytes: 0, chunks: 0 },
    peers: 5,
    network: { size: 6, repairs: 0, last_repair_at: null, ...network },
    peer_id: 'p',
    addresses: [],
  }
}

const reachOf = (s: StatusResult) => statusLines(s).find((l) => l.startsWith('reach'))

test('an unreachable node says it is a client only, and through how many relays it is reachable', () => {
  const line = reachOf(status({ reachability: 'private', client_only: true, relayed_via: ['r1', 'r2'] }))
  assert.equal(
    line,
    'reach    private — client only: stores nothing for others; reachable through 2 relay(s)',
  )
})

test('a public node serves as a vault and a relay; a local one as a vault; an older node says nothing', () => {
  assert.equal(
    reachOf(status({ reachability: 'public', client_only: false, relayed_via: [] })),
    'reach    public — serves as a vault and a relay',
  )
  assert.equal(
    reachOf(status({ reachability: 'local', client_only: false })),
    'reach    local — serves as a vault',
  )
  assert.equal(reachOf(status({})), undefined)
})
