import assert from 'node:assert/strict'
import { test } from 'node:test'
import { handleCall, isTrustedSender, showablePath } from '../../main/app/ipc.ts'
import type { Handlers } from '../../main/core/api/index.ts'
import { NoAccountError } from '../../main/core/account/index.ts'

const origin = 'http://127.0.0.1:4711'
const page = `${origin}/#token=abc&view=overview`
const handlers = {
  'account-status': async () => ({ logged_in: false, account_id: null, remembered: false }),
  'account-login': async () => {
    throw new NoAccountError()
  },
  'set-donation': async ({ bytes }: { bytes: number }) => ({ excess: bytes, moved: 0 }),
} as unknown as Handlers

test('IPC calls from the dashboard reach the dispatcher and come back as replies', async () => {
  assert.deepEqual(await handleCall(handlers, page, origin, 'account-status', {}), {
    result: { logged_in: false, account_id: null, remembered: false },
  })
  assert.deepEqual(await handleCall(handlers, page, origin, 'set-donation', { bytes: 5 }), {
    result: { excess: 5, moved: 0 },
  })
  assert.deepEqual(
    await handleCall(handlers, page, origin, 'account-login', { keyword: 'k', pin: '1234', password: 'p' }),
    { error: 'no account with these credentials', status: 401 },
  )
  assert.equal((await handleCall(handlers, page, origin, 'set-donation', { bytes: -1 })).status, 400)
  assert.equal((await handleCall(handlers, page, origin, 'no-such-command', {})).status, 404)
  assert.equal((await handleCall(handlers, page, origin, 42, {})).status, 400)
})

test('IPC calls from any other page are refused', async () => {
  assert.equal(isTrustedSender(page, origin), true)
  assert.equal(isTrustedSender('http://127.0.0.1:9999/', origin), false)
  assert.equal(isTrustedSender('https://evil.example/', origin), false)
  assert.equal(isTrustedSender('not a url', origin), false)
  assert.deepEqual(await handleCall(handlers, 'https://evil.example/', origin, 'account-status', {}), {
    error: 'not the PeerDrive window',
    status: 403,
  })
})

test('only paths inside the mounted drive are shown in the file manager', () => {
  const mount = '/home/ada/PeerDrive'
  assert.equal(showablePath(`${mount}/docs/a.txt`, mount), `${mount}/docs/a.txt`)
  assert.equal(showablePath(`${mount}/`, mount), mount)
  assert.equal(showablePath('/etc/passwd', mount), null)
  assert.equal(showablePath(`${mount}/../.ssh/id_ed25519`, mount), null)
  assert.equal(showablePath(`${mount}-other/x`, mount), null)
  assert.equal(showablePath(`${mount}/x`, null), null)
  assert.equal(showablePath(42, mount), null)
})
