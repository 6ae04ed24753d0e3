import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Notifier } from '../../main/app/notifications.ts'

test('vault full, sync errors and a full journal notify once per ten minutes; other events do not', () => {
  const n = new Notifier()
  const full = { type: 'notice', kind: 'vault-full', message: 'Your vault is full' } as const
  assert.deepEqual(n.textFor(full, 0), { title: 'Your vault is full', body: 'Your vault is full' })
  assert.equal(n.textFor(full, 60_000), null, 'not repeated at once')
  assert.ok(n.textFor(full, 11 * 60_000), 'repeated after a while')
  assert.equal(
    n.textFor({ type: 'notice', kind: 'sync-error', message: 'x' }, 0)?.title,
    'PeerDrive cannot sync',
  )
  assert.match(
    n.textFor({ type: 'notice', kind: 'journal-full', message: 'y' }, 0)!.title,
    /out of local space/,
  )
  assert.equal(
    n.textFor({ type: 'notice', kind: 'app-request', message: 'Notes 1.0 asks for access' }, 0)?.body,
    'Notes 1.0 asks for access',
  )
  assert.equal(n.textFor({ type: 'notice', kind: 'synced', message: 'all synced' }, 0), null)
  assert.equal(
    n.textFor({ type: 'account', account: { logged_in: true, account_id: 'a', remembered: false } }),
    null,
  )
})
