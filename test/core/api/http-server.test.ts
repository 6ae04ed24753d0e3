import assert from 'node:assert/strict'
import { test } from 'node:test'
import { callApi, startApiServer } from '../../../main/core/api/index.ts'
import type { Handlers, StatusResult } from '../../../main/core/api/index.ts'

const status = { mounted: false, mount: null, peers: 3 } as unknown as StatusResult
const donations: number[] = []
const handlers: Handlers = {
  status: async () => status,
  'set-donation': async ({ bytes }) => {
    donations.push(bytes)
    return { excess: 0, moved: 0 }
  },
}

test('the API answers its commands on loopback with the token, and refuses everything else', async (t) => {
  const api = await startApiServer(handlers)
  t.after(() => api.close())
  assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.deepEqual(await callApi(api, 'status', {}), status)
  assert.deepEqual(await callApi(api, 'set-donation', { bytes: 5000 }), { excess: 0, moved: 0 })
  assert.deepEqual(donations, [5000])

  const post = (path: string, init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      ...init,
      headers: { authorization: `Bearer ${api.token}`, ...(init.headers as Record<string, string>) },
    })
  assert.equal((await post('/api/status', { headers: { authorization: 'Bearer wrong' } })).status, 401)
  assert.equal((await fetch(`${api.url}/api/status`, { method: 'POST' })).status, 401)
  assert.equal((await post('/api/status', { headers: { origin: 'http://evil.example' } })).status, 403)
  assert.equal((await post('/api/status', { headers: { origin: api.url } })).status, 200)
  assert.equal((await post('/api/nope')).status, 404)
  assert.equal((await post('/api/set-donation', { body: '{not json' })).status, 400)
  assert.equal((await post('/api/set-donation', { body: '{"bytes":-1}' })).status, 400)
  assert.equal((await post('/api/status', { body: 'x'.repeat(100_000) })).status, 413)
  await assert.rejects(callApi({ port: api.port, token: 'bad' }, 'status', {}), { name: 'ApiError' })
})
