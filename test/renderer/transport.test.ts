// The dashboard's transport (renderer/src/lib/transport.ts) against the real API server:
// Node has fetch and WebSocket built in, as a browser does.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventHub, startApiServer } from '../../main/core/api/index.ts'
import type { ApiEvent, Handlers } from '../../main/core/api/index.ts'
import { CommandError, httpTransport, tokenFromLocation } from '../../renderer/src/lib/transport.ts'
import { waitFor } from '../core/net/support.ts'

const handlers = {
  'account-status': async () => ({ logged_in: false, account_id: null, remembered: false }),
} as unknown as Handlers

test('the token is read from the fragment, next to other parameters', () => {
  assert.equal(tokenFromLocation('#token=abc&view=files'), 'abc')
  assert.equal(tokenFromLocation('#view=files&token=x-y_z'), 'x-y_z')
  assert.equal(tokenFromLocation(''), undefined)
})

test('calls and events go through with the token; a wrong token and a missing command fail with their status', async (t) => {
  const events = new EventHub()
  const api = await startApiServer(handlers, { events })
  t.after(() => api.close())
  const transport = httpTransport(api.url, api.token)
  assert.deepEqual(await transport.call('account-status', {}), {
    logged_in: false,
    account_id: null,
    remembered: false,
  })
  await assert.rejects(
    transport.call('no-such-command', {}),
    (e: unknown) => e instanceof CommandError && e.status === 404,
  )
  await assert.rejects(
    httpTransport(api.url, 'wrong').call('account-status', {}),
    (e: unknown) => e instanceof CommandError && e.status === 401,
  )

  const seen: ApiEvent[] = []
  let up = false
  const stop = transport.subscribe(
    (e) => seen.push(e),
    (u) => (up = u),
  )
  t.after(stop)
  await waitFor(() => up && events.listenerCount === 1, 30_000, 'the event socket to open')
  events.emit({ type: 'notice', kind: 'synced', message: 'all synced' })
  await waitFor(() => seen.length === 1, 30_000, 'the event')
  assert.deepEqual(seen[0], { type: 'notice', kind: 'synced', message: 'all synced' })
  stop()
  await waitFor(() => events.listenerCount === 0, 30_000, 'the socket to close')
})
