import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ApiEvent, StatusResult } from '../../../main/core/api/index.ts'
import { NodeFeed } from '../../../main/core/node/index.ts'
import { tempDir } from '../../helpers.ts'

function status(used: number, donated: number): StatusResult {
  return { vault: { dir: '/v', donated_bytes: donated, used_bytes: used, chunks: 1 } } as StatusResult
}

test('a full vault is announced once per crossing, and drive events become notices and log lines', async (t) => {
  const feed = new NodeFeed(await tempDir(t))
  const seen: ApiEvent[] = []
  feed.events.on((e) => seen.push(e))
  const notices = () => seen.filter((e) => e.type === 'notice').map((e) => (e as { kind: string }).kind)
  feed.checkStatus(status(10, 100))
  feed.checkStatus(status(99, 100))
  feed.checkStatus(status(100, 100))
  assert.deepEqual(notices(), ['vault-full'])
  feed.checkStatus(status(10, 200))
  feed.checkStatus(status(200, 200))
  assert.deepEqual(notices(), ['vault-full', 'vault-full'])

  const logged: string[] = []
  const opts = feed.wrap({ vaultDir: '/v', home: '/h', log: (l) => logged.push(l) }, () => ({
    logged_in: true,
    account_id: 'a',
    remembered: false,
  }))
  opts.log!('node started')
  opts.onDriveEvent!({ type: 'journal-full', message: 'the journal is full' })
  opts.onDriveEvent!({ type: 'committed', message: 'root 3 committed' })
  opts.onAccountChange!(undefined)
  assert.deepEqual(logged, ['node started'])
  assert.deepEqual(notices(), ['vault-full', 'vault-full', 'journal-full'])
  assert.deepEqual(
    feed.logs.recent().map((e) => [e.level, e.text]),
    [
      ['info', 'node started'],
      ['warn', 'the journal is full'],
    ],
  )
  assert.ok(seen.some((e) => e.type === 'account' && e.account.logged_in))
  assert.ok(seen.some((e) => e.type === 'log' && e.entry.text === 'node started'))
})
