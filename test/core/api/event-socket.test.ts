import assert from 'node:assert/strict'
import { test } from 'node:test'
import WebSocket from 'ws'
import { EventHub, TOKEN_PROTOCOL_PREFIX, startApiServer } from '../../../main/core/api/index.ts'
import type { ApiEvent, Handlers } from '../../../main/core/api/index.ts'

const handlers = {} as Handlers

/** Opens the event socket; resolves with the socket once open, or the HTTP status it was refused with. */
function connect(url: string, protocol: string, origin?: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [protocol], origin ? { origin } : {})
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', () => resolve(-1))
  })
}

test('live events reach a WebSocket client with the token, and nobody else', async (t) => {
  const events = new EventHub()
  const api = await startApiServer(handlers, { events })
  t.after(() => api.close())
  const url = `ws://127.0.0.1:${api.port}/api/events`

  assert.equal(await connect(url, `${TOKEN_PROTOCOL_PREFIX}wrong`), 401)
  assert.equal(await connect(url, 'other'), 401)
  assert.equal(await connect(url, `${TOKEN_PROTOCOL_PREFIX}${api.token}`, 'http://evil.example'), 403)
  assert.equal(
    await connect(`ws://127.0.0.1:${api.port}/elsewhere`, `${TOKEN_PROTOCOL_PREFIX}${api.token}`),
    404,
  )

  const ws = await connect(url, `${TOKEN_PROTOCOL_PREFIX}${api.token}`, api.url)
  assert.ok(ws instanceof WebSocket)
  t.after(() => ws.close())
  const got = new Promise<ApiEvent>((resolve) =>
    ws.once('message', (data) => resolve(JSON.parse(String(data)))),
  )
  const notice: ApiEvent = { type: 'notice', kind: 'journal-full', message: 'the journal is full' }
  events.emit(notice)
  assert.deepEqual(await got, notice)
  assert.equal(events.listenerCount, 1)
  ws.close()
  await new Promise((resolve) => ws.once('close', resolve))
  for (let i = 0; i < 100 && events.listenerCount > 0; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal(events.listenerCount, 0, 'a closed client stops listening')
})

test('an unchanged status is pushed only once', () => {
  const events = new EventHub()
  const seen: ApiEvent[] = []
  events.on((e) => seen.push(e))
  const status = { peers: 1 } as never
  events.emitStatusIfChanged({ type: 'status', status })
  events.emitStatusIfChanged({ type: 'status', status })
  events.emitStatusIfChanged({ type: 'status', status: { peers: 2 } as never })
  assert.equal(seen.length, 2)
})

test('the event socket refuses a host name other than loopback, even with the token (DNS rebinding)', async (t) => {
  const api = await startApiServer(handlers, { events: new EventHub() })
  t.after(() => api.close())
  const url = `ws://127.0.0.1:${api.port}/api/events`
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(url, [`${TOKEN_PROTOCOL_PREFIX}${api.token}`], {
      headers: { host: `rebound.example:${api.port}` },
    })
    ws.once('open', () => {
      ws.close()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', () => resolve(-1))
  })
  assert.equal(refused, 403)
})
