import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { test } from 'node:test'
import { callApi, startApiServer } from '../../../main/core/api/index.ts'
import type { Handlers, StatusResult } from '../../../main/core/api/index.ts'
import { NoAccountError } from '../../../main/core/account/index.ts'
import { UsageError } from '../../../main/core/errors.ts'
import { tempDir } from '../../helpers.ts'

const status = { mounted: false, mount: null, peers: 3 } as unknown as StatusResult
const donations: number[] = []
const notUsed = async (): Promise<never> => {
  throw new Error('not used here')
}
const handlers: Handlers = {
  'apps-list': async () => ({ apps: [] }),
  'apps-grant': notUsed,
  'apps-deny': notUsed,
  'apps-revoke': notUsed,
  'apps-log': async () => ({ entries: [] }),
  'public-get': notUsed,
  status: async () => status,
  'set-donation': async ({ bytes }) => {
    donations.push(bytes)
    return { excess: 0, moved: 0 }
  },
  'account-status': async () => ({ logged_in: false, account_id: null, remembered: false }),
  'account-create': async () => {
    throw new UsageError('the PIN must be 4 to 12 digits')
  },
  'account-login': async () => {
    throw new NoAccountError()
  },
  'account-logout': async () => ({ logged_in: false, account_id: null, remembered: false }),
  'account-passwd': async () => {
    throw new Error('disk on fire')
  },
  'wallet-balance': async () => ({ coins: 2, pending: 1, earned_today: 2, wallet_id: 'ab'.repeat(32) }),
  'wallet-history': async () => ({ entries: [], per_day: [] }),
  'wallet-send': async ({ coins }) => ({ sent: coins }),
  'storage-buy': async ({ coins }) => ({ bought: coins }),
  'farming-pause': async ({ paused }) => ({ paused }),
  'settings-get': async () => {
    throw new Error('not used here')
  },
  'settings-set': async () => {
    throw new Error('not used here')
  },
  logs: async () => ({ entries: [] }),
  'files-recent': async () => ({ files: [] }),
  'files-versions': async ({ path }) => ({ path, exists: false, versions: [] }),
  'files-restore': async () => {
    throw new Error('not used here')
  },
  'files-keep': async () => {
    throw new Error('not used here')
  },
  'files-free': async () => {
    throw new Error('not used here')
  },
  'files-availability': async () => {
    throw new Error('not used here')
  },
  'share-create': notUsed,
  'share-list': async () => ({ shares: [] }),
  'share-revoke': notUsed,
  'shared-add': notUsed,
  'shared-list': notUsed,
  'shared-remove': notUsed,
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

test('account commands check their arguments, and each failure answers with its own status', async (t) => {
  const api = await startApiServer(handlers)
  t.after(() => api.close())
  const post = async (command: string, args: unknown) => {
    const res = await fetch(`${api.url}/api/${command}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}` },
      body: JSON.stringify(args),
    })
    return { status: res.status, body: (await res.json()) as { error?: string } }
  }
  const creds = { keyword: 'word', pin: '1234', password: 'correct horse' }
  assert.equal((await post('account-login', { keyword: 'word', pin: 1234, password: 'x' })).status, 400)
  assert.equal((await post('account-login', { ...creds, password: 'x'.repeat(2000) })).status, 400)
  assert.equal((await post('account-login', { ...creds, remember: 'yes' })).status, 400)
  assert.equal((await post('account-passwd', creds)).status, 400, 'new_password is required')
  assert.deepEqual(await post('account-login', creds), {
    status: 401,
    body: { error: 'no account with these credentials' },
  })
  assert.equal((await post('account-create', creds)).status, 400)
  assert.equal((await post('account-passwd', { ...creds, new_password: 'another one' })).status, 500)
  assert.equal((await post('account-logout', { force: true })).status, 200)
  assert.equal((await post('wallet-send', { coins: 0, to: 'ab' })).status, 400)
  assert.equal((await post('wallet-send', { coins: 1.5, to: 'ab' })).status, 400)
  assert.equal((await post('wallet-send', { coins: 1, to: 'x'.repeat(500) })).status, 400)
  assert.deepEqual((await post('wallet-send', { coins: 2, to: 'ab' })).body, { result: { sent: 2 } })
  for (const coins of [0, 2.5, 1001, '3']) assert.equal((await post('storage-buy', { coins })).status, 400)
  assert.deepEqual((await post('storage-buy', { coins: 3 })).body, { result: { bought: 3 } })
  assert.equal((await post('farming-pause', { paused: 'yes' })).status, 400)
  assert.deepEqual((await post('farming-pause', { paused: true })).body, { result: { paused: true } })
})

test('close() ends while a page keeps polling on a kept-alive connection, and while a request hangs', async () => {
  let hung = 0
  const api = await startApiServer({ ...handlers, logs: () => new Promise(() => hung++) })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const statuses: number[] = []
  let polling = true
  const poll = (async () => {
    while (polling) {
      const res = await rawRequest(api.port, { path: '/api/status', token: api.token, agent }).catch(
        () => undefined,
      )
      if (res) statuses.push(res.status)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  const stuck = rawRequest(api.port, { path: '/api/logs', token: api.token }).catch((err: Error) => err)
  while (statuses.length < 3 || hung === 0) await new Promise((resolve) => setTimeout(resolve, 20))
  await api.close()
  polling = false
  await poll
  agent.destroy()
  assert.equal(statuses[0], 200)
  assert.ok(
    statuses.every((s) => s === 200 || s === 503),
    `only answers or "stopping": ${statuses.join(',')}`,
  )
  assert.ok((await stuck) instanceof Error, 'the hung request was cut')
})

/** One raw request, so the Host header can be anything (fetch sets its own). */
function rawRequest(
  port: number,
  opts: { method?: string; path: string; host?: string; token?: string; agent?: Agent },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'POST',
        path: opts.path,
        setHost: opts.host === undefined,
        ...(opts.agent ? { agent: opts.agent } : {}),
        headers: {
          ...(opts.host === undefined ? {} : { host: opts.host }),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
      },
      (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

test('a request for any host name but loopback is refused, with the token or without (DNS rebinding)', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'index.html'), '<p>dashboard</p>')
  const api = await startApiServer(handlers, { staticDir: dir })
  t.after(() => api.close())
  const { port, token } = api
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
    assert.equal((await rawRequest(port, { path: '/api/status', host, token })).status, 200, host)
  }
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, '127.0.0.1', '']) {
    const api = await rawRequest(port, { path: '/api/status', host, token })
    assert.equal(api.status, 421, host)
    assert.match(JSON.parse(api.body).error, /not allowed: this API answers only as 127\.0\.0\.1:\d+/)
    assert.equal((await rawRequest(port, { method: 'GET', path: '/', host })).status, 421, host)
  }
  assert.equal((await rawRequest(port, { method: 'GET', path: '/' })).status, 200)
})

test('a static path with a bad %-escape answers 400, not a server error', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'index.html'), '<p>dashboard</p>')
  const api = await startApiServer(handlers, { staticDir: dir })
  t.after(() => api.close())
  for (const path of ['/%E0%A4%A', '/%', '/assets/%zz.js']) {
    const res = await rawRequest(api.port, { method: 'GET', path })
    assert.equal(res.status, 400, path)
    assert.match(JSON.parse(res.body).error, /bad %-escape/)
  }
  assert.equal((await rawRequest(api.port, { method: 'GET', path: '/%69ndex.html' })).status, 200)
  assert.equal((await rawRequest(api.port, { method: 'GET', path: '/missing.js' })).status, 404)
})
