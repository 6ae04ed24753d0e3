// The example notes app (examples/notes) against a real node: it asks for
// access through the real API, is granted, stores and lists notes through its
// own loopback page's API, publishes them, and stops working once revoked.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { AddressInfo } from 'node:net'
import { main } from '../../examples/notes/notes.ts'
import { callApi } from '../../main/core/api/index.ts'
import { tempDir } from '../helpers.ts'
import { startDriveNode } from '../core/account/support.ts'

test('the notes example is granted, keeps notes in its folder, publishes them, and is stopped by a revoke', async (t) => {
  const home = await tempDir(t)
  const node = await startDriveNode(t, [], { home })
  await node.create({ keyword: 'noter', pin: '1470', password: 'notes of my own' })
  let appId = ''
  const server = await main({
    home,
    tokenFile: join(home, 'notes.token'),
    pollMs: 50,
    onPending: (id) => {
      appId = id
      void callApi(node.api, 'apps-grant', { id })
    },
  })
  t.after(() => server.close())
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      doc: (await r.json()) as Record<string, string>,
    }))

  assert.match(await (await fetch(url)).text(), /<h1>Notes<\/h1>/)
  assert.equal((await post('/notes', { name: 'shopping', text: 'milk, bread' })).status, 200)
  assert.equal((await post('/notes', { name: 'ideas', text: 'a drive of our own' })).status, 200)
  assert.deepEqual(await (await fetch(`${url}/notes`)).json(), ['ideas', 'shopping'])
  assert.deepEqual(await (await fetch(`${url}/notes/shopping`)).json(), { text: 'milk, bread' })
  assert.equal((await post('/notes', { name: '../escape', text: 'x' })).status, 400)

  const { address } = (await post('/publish', {})).doc
  const published = await callApi(node.api, 'public-get', { address: address! })
  assert.deepEqual(
    published.files.map((f) => [f.path, Buffer.from(f.data, 'base64').toString()]),
    [
      ['ideas.txt', 'a drive of our own'],
      ['shopping.txt', 'milk, bread'],
    ],
  )
  const apps = (await callApi(node.api, 'apps-list', {})).apps
  assert.equal(apps[0]!.usage.published, 1)

  await callApi(node.api, 'apps-revoke', { id: appId })
  const refused = await post('/notes', { name: 'late', text: 'too late' })
  assert.equal(refused.status, 500)
  assert.equal(refused.doc.name, 'AccessRevokedError')
  server.close()
  await node.stop()
})
