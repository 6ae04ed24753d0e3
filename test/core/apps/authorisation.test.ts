// Apps against a real drive node: a request waits for the user, a grant gives
// the app a token scoped to exactly its grant, kept across restarts and
// revocable at once, and everything an attacker might send is refused.
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import { tempDir } from '../../helpers.ts'
import { readDriveFile, startDriveNode, writeDriveFile } from '../account/support.ts'
import { b64, manifest, raw, requestAccess } from './support.ts'

test('an app waits for the grant, then works in its own folder only, and a revoke stops it at once', async (t) => {
  const home = await tempDir(t)
  let node = await startDriveNode(t, [], { home })
  await node.create({ keyword: 'appuser', pin: '2468', password: 'apps need consent' })
  await writeDriveFile(node.drive!, '/secret.txt', Buffer.from('the user only'))
  const notices: string[] = []
  node.feed.events.on((e) => {
    if (e.type === 'notice' && e.kind === 'app-request') notices.push(e.message)
  })

  const { id, token } = await requestAccess(node, manifest('Notes'))
  assert.deepEqual(
    notices,
    ['Notes 1.0.0 asks for access: answer it in Apps'],
    'the user is told (the tray shows it)',
  )
  const waiting = await raw(node, 'app-status', {}, token)
  assert.equal(waiting.doc.result!.state, 'pending')
  const early = await raw(node, 'app-write', { path: 'a.txt', data: b64('x') }, token)
  assert.equal(early.status, 403)
  assert.equal(early.doc.name, 'AppPending')

  const listed = await callApi(node.api, 'apps-list', {})
  assert.equal(listed.apps.length, 1)
  assert.equal(listed.apps[0]!.state, 'pending')
  assert.equal(listed.apps[0]!.name, 'Notes')
  const granted = await callApi(node.api, 'apps-grant', { id })
  assert.equal(granted.state, 'granted')

  assert.equal(
    (await raw(node, 'app-write', { path: 'notes/first.txt', data: b64('hello') }, token)).status,
    200,
  )
  const read = await raw(node, 'app-read', { path: 'notes/first.txt' }, token)
  assert.equal(Buffer.from(read.doc.result!.data as string, 'base64').toString(), 'hello')
  const list = await raw(node, 'app-list', { path: 'notes' }, token)
  assert.deepEqual(
    (list.doc.result!.entries as { name: string }[]).map((e) => e.name),
    ['first.txt'],
  )
  // the file is in the user's drive, in the app's folder
  const folder = granted.container
  assert.match(folder, /^\/Apps\/Notes-[0-9a-f]{8}$/)
  assert.equal((await readDriveFile(node.drive!, `${folder}/notes/first.txt`)).toString(), 'hello')

  // the grant, with no token in it, is kept private and across restarts
  const kept = await readFile(join(home, 'apps.json'), 'utf8')
  assert.ok(!kept.includes(token), 'the token itself is never written down')
  assert.equal((await stat(join(home, 'apps.json'))).mode & 0o777, 0o600)
  await node.stop()
  node = await startDriveNode(t, [], { home })
  await node.login({ keyword: 'appuser', pin: '2468', password: 'apps need consent' })
  const again = await raw(node, 'app-read', { path: 'notes/first.txt' }, token)
  assert.equal(again.status, 200, 'the grant holds after a restart')

  // every call is logged for its app, the refused ones too
  await raw(node, 'app-read', { path: '../secret.txt' }, token)
  const { entries } = await callApi(node.api, 'apps-log', { id })
  assert.deepEqual(
    entries.slice(-2).map((e) => [e.command, e.outcome]),
    [
      ['read', 'ok'],
      ['read', 'refused'],
    ],
  )
  await node.apps.flush()
  const logFile = await readFile(join(home, 'app-logs', `${id}.log`), 'utf8')
  assert.match(logFile, /"command":"write".*"outcome":"ok"/)
  assert.equal((await stat(join(home, 'app-logs', `${id}.log`))).mode & 0o777, 0o600)

  await callApi(node.api, 'apps-revoke', { id })
  const after = await raw(node, 'app-read', { path: 'notes/first.txt' }, token)
  assert.equal(after.status, 401)
  assert.equal(after.doc.name, 'AppRevoked')
  // stopped here, so the app's last log lines are written before its home is removed
  await node.stop()
})

test('what an attacker sends is refused: traversal, symlinks, other tokens, oversized bodies, ungranted permissions', async (t) => {
  const node = await startDriveNode(t, [])
  await node.create({ keyword: 'attacked', pin: '1357', password: 'nothing gets out' })
  const drive = node.drive!
  await writeDriveFile(drive, '/secret.txt', Buffer.from('the user only'))
  const a = await requestAccess(node, manifest('Alpha', { storage_bytes: 1000 }))
  const b = await requestAccess(node, manifest('Beta'))
  await callApi(node.api, 'apps-grant', { id: a.id })
  await callApi(node.api, 'apps-grant', { id: b.id })
  assert.equal(
    (await raw(node, 'app-write', { path: 'mine.txt', data: b64('alpha data') }, a.token)).status,
    200,
  )
  const alphaFolder = (await callApi(node.api, 'apps-list', {})).apps.find((x) => x.id === a.id)!.container

  const refusedPaths = [
    '../secret.txt',
    '../../secret.txt',
    'x/../../secret.txt',
    '/secret.txt',
    '..',
    '.',
    '%2e%2e/secret.txt',
    '%2E%2E',
    '..%2fsecret.txt',
    'a%2f..%2f..%2fsecret.txt',
    '..\\secret.txt',
    'a//b',
    'a/',
    'nul\0byte',
    `../${alphaFolder.split('/').pop()}/mine.txt`,
    'x'.repeat(2000),
  ]
  for (const path of refusedPaths) {
    for (const command of ['app-read', 'app-write', 'app-list', 'app-remove']) {
      const r = await raw(node, command, { path, data: b64('evil') }, b.token)
      assert.equal(r.status, 400, `${command} ${JSON.stringify(path)} answered ${r.status}`)
      assert.equal(r.doc.name, 'AppBadPath')
    }
  }
  assert.equal((await readDriveFile(drive, '/secret.txt')).toString(), 'the user only')
  assert.equal(
    (await raw(node, 'app-read', { path: 'mine.txt' }, b.token)).status,
    404,
    "another app's file is not there",
  )

  // a symlink planted in the app's folder leads nowhere
  await drive.symlink('/secret.txt', `${alphaFolder}/link.txt`)
  await drive.mkdir(`${alphaFolder}/real`, 0o755)
  await drive.symlink('/', `${alphaFolder}/root`)
  for (const path of ['link.txt', 'root/secret.txt']) {
    const r = await raw(node, 'app-read', { path }, a.token)
    assert.equal(r.status, 400, path)
    assert.match(r.doc.error!, /symlink/)
  }
  assert.equal(
    (await raw(node, 'app-write', { path: 'root/secret.txt', data: b64('x') }, a.token)).status,
    400,
  )
  assert.equal((await readDriveFile(drive, '/secret.txt')).toString(), 'the user only')

  // tokens: none, made up, the dashboard's on app routes, an app's on the dashboard's
  assert.equal((await raw(node, 'app-read', { path: 'mine.txt' })).status, 401)
  assert.equal((await raw(node, 'app-read', { path: 'mine.txt' }, `pda_${'A'.repeat(43)}`)).status, 401)
  assert.equal((await raw(node, 'app-read', { path: 'mine.txt' }, node.api.token)).status, 401)
  for (const command of ['apps-list', 'apps-grant', 'status', 'account-logout', 'public-get'])
    assert.equal((await raw(node, command, { id: a.id }, a.token)).status, 401, command)
  // a web page of another origin reaches no app route, not even the request
  for (const command of ['app-request', 'app-read']) {
    const res = await fetch(`${node.api.url}/api/${command}`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', authorization: `Bearer ${a.token}` },
      body: JSON.stringify({ manifest: manifest('Evil'), path: 'mine.txt' }),
    })
    assert.equal(res.status, 403, command)
  }
  // an app cannot grant itself, nor answer another's request
  const c = await requestAccess(node, manifest('Gamma'))
  assert.equal((await raw(node, 'apps-grant', { id: c.id }, c.token)).status, 401)
  assert.equal((await raw(node, 'app-grant', { id: c.id }, a.token)).status, 404)

  // oversized: a declared length past the limit, and a body that grows past it
  const big = await raw(
    node,
    'app-write',
    {},
    a.token,
    JSON.stringify({ path: 'big', data: 'A'.repeat(7 * 2 ** 20) }),
  )
  assert.equal(big.status, 413)
  // over the storage budget of 1000 bytes
  const over = await raw(node, 'app-write', { path: 'more.txt', data: b64('y'.repeat(995)) }, a.token)
  assert.equal(over.status, 507)
  assert.equal(over.doc.name, 'AppOverBudget')
  const manifestTooBig = await raw(node, 'app-request', {
    manifest: manifest('Huge', { storage_bytes: 2 ** 50 }),
  })
  assert.equal(manifestTooBig.status, 400)

  // permissions not granted: publishing, shared folders
  const pub = await raw(node, 'app-publish', { path: 'mine.txt' }, a.token)
  assert.equal(pub.status, 403)
  assert.equal(pub.doc.name, 'AppNotGranted')
  assert.equal((await raw(node, 'app-shared-read', { path: '/secret.txt' }, a.token)).status, 403)
  // folders are only granted to an app that asked to read folders
  await assert.rejects(callApi(node.api, 'apps-grant', { id: c.id, read_folders: ['/'] }), /did not ask/)

  // a request flood is capped, and a denied app gets nothing
  await callApi(node.api, 'apps-deny', { id: c.id })
  assert.equal((await raw(node, 'app-read', { path: 'x' }, c.token)).doc.name, 'AppDenied')
  const floods = await Promise.all(
    Array.from({ length: 20 }, (_, i) => raw(node, 'app-request', { manifest: manifest(`Flood${i}`) })),
  )
  assert.ok(
    floods.some((f) => f.status === 429),
    'past 16 pending requests the node refuses more',
  )
  assert.ok(floods.filter((f) => f.status === 200).length <= 16)
  await node.stop()
})

test('an app granted folders reads inside them and nowhere else', async (t) => {
  const node = await startDriveNode(t, [])
  await node.create({ keyword: 'sharer', pin: '9753', password: 'photos are shared' })
  const drive = node.drive!
  await drive.mkdir('/Photos', 0o755)
  await drive.mkdir('/Photos2', 0o755)
  await writeDriveFile(drive, '/Photos/cat.jpg', Buffer.from('a cat'))
  await writeDriveFile(drive, '/Photos2/dog.jpg', Buffer.from('a dog'))
  const app = await requestAccess(node, manifest('Album', { read_folders: true }))
  await callApi(node.api, 'apps-grant', { id: app.id, read_folders: ['/Photos'] })
  const cat = await raw(node, 'app-shared-read', { path: '/Photos/cat.jpg' }, app.token)
  assert.equal(Buffer.from(cat.doc.result!.data as string, 'base64').toString(), 'a cat')
  const listed = await raw(node, 'app-shared-list', { path: '/Photos' }, app.token)
  assert.deepEqual(
    (listed.doc.result!.entries as { name: string }[]).map((e) => e.name),
    ['cat.jpg'],
  )
  for (const path of [
    '/Photos2/dog.jpg',
    '/Photos/../Photos2/dog.jpg',
    '/',
    'Photos/cat.jpg',
    '/Photos%2f..%2fPhotos2/dog.jpg',
  ]) {
    const r = await raw(node, 'app-shared-read', { path }, app.token)
    assert.equal(r.status, 400, path)
  }
  // reading is all: the shared folder cannot be written through the app's calls
  assert.equal(
    (await raw(node, 'app-shared-write', { path: '/Photos/x', data: b64('x') }, app.token)).status,
    404,
  )
  await node.stop()
})
