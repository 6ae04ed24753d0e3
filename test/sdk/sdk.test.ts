// The SDK against real drive nodes on a loopback network: an app asks for
// access and waits for the user's grant, works in its folder, keeps records,
// publishes an album that a second node fetches by address (also with
// `peerdrive get`), and is refused at once once revoked.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  AccessDeniedError,
  AccessRevokedError,
  BadPathError,
  NotFoundError,
  NotGrantedError,
  PeerDriveApp,
} from 'peerdrive/sdk'
import type { Manifest } from 'peerdrive/sdk'
import { callApi } from '../../main/core/api/index.ts'
import { runCli, tempDir } from '../helpers.ts'
import { everyAddress, startDriveNode } from '../core/account/support.ts'
import { meshUp, startNodes } from '../core/net/support.ts'

const manifest: Manifest = {
  name: 'Album',
  version: '0.1.0',
  developer_wallet: 'ab'.repeat(32),
  usage_price: 0,
  permissions: { container: true, publish: true, storage_bytes: 8 * 2 ** 20 },
}

test('an SDK app is granted, stores, keeps records, publishes to another node, and is refused once revoked', async (t) => {
  const vaults = await startNodes(t, 3)
  const homeA = await tempDir(t)
  const homeB = await tempDir(t)
  const a = await startDriveNode(t, everyAddress(vaults), { home: homeA })
  const b = await startDriveNode(t, everyAddress(vaults), { home: homeB })
  await meshUp([...vaults, a.node, b.node])
  await a.create({ keyword: 'albumist', pin: '4321', password: 'pictures for everyone' })

  // the user answers in the dashboard while the app waits
  const tokenFile = join(homeA, 'album.token')
  const app = await PeerDriveApp.requestAccess({
    manifest,
    home: homeA,
    tokenFile,
    pollMs: 50,
    onPending: (id) => void callApi(a.api, 'apps-grant', { id }),
  })
  assert.equal(app.grant.publish, true)
  assert.equal((await readFile(tokenFile, 'utf8')).trim(), app.token)

  await app.writeFile('album/one.txt', 'the first picture')
  await app.writeFile('album/two.bin', new Uint8Array([1, 2, 3]))
  assert.equal(await app.readText('album/one.txt'), 'the first picture')
  assert.deepEqual(
    (await app.list('album')).map((e) => e.name),
    ['one.txt', 'two.bin'],
  )
  await app.writeFile('scratch.txt', 'gone soon')
  await app.remove('scratch.txt')
  await assert.rejects(app.readFile('scratch.txt'), NotFoundError)
  await assert.rejects(app.readFile('../secret'), BadPathError)
  await assert.rejects(app.readShared('/anything'), NotGrantedError)

  assert.deepEqual(await app.getRecord('cover'), { value: null, version: 0 })
  assert.deepEqual(await app.putRecord('cover', 'one.txt'), { version: 1 })
  assert.deepEqual(await app.putRecord('cover', 'two.bin'), { version: 2 })
  assert.deepEqual(await app.getRecord('cover'), { value: 'two.bin', version: 2 })

  // the same app started again finds its token and its grant
  const again = await PeerDriveApp.requestAccess({
    manifest,
    home: homeA,
    tokenFile,
    pollMs: 50,
    timeoutMs: 5_000,
  })
  assert.equal(again.appId, app.appId)

  const address = await app.publish('album')
  assert.match(address, /^pd1:/)
  const onB = await callApi(b.api, 'public-get', { address }, { timeoutMs: 120_000 })
  assert.equal(onB.kind, 'folder')
  assert.deepEqual(
    onB.files.map((f) => [f.path, Buffer.from(f.data, 'base64').toString('hex')]),
    [
      ['one.txt', Buffer.from('the first picture').toString('hex')],
      ['two.bin', '010203'],
    ],
  )
  const out = join(homeB, 'fetched')
  const got = await runCli(homeB, ['get', address, '-o', out])
  assert.equal(got.code, 0, got.stderr)
  assert.equal(await readFile(join(out, 'one.txt'), 'utf8'), 'the first picture')
  const single = await app.publish('album/one.txt')
  const file = join(homeB, 'one-copy.txt')
  assert.equal((await runCli(homeB, ['get', single, '-o', file])).code, 0)
  assert.equal(await readFile(file, 'utf8'), 'the first picture')
  assert.equal((await app.fetchPublic(single)).files[0]!.bytes.length, 17)

  await callApi(a.api, 'apps-revoke', { id: app.appId })
  await assert.rejects(app.readFile('album/one.txt'), AccessRevokedError)
  await assert.rejects(app.putRecord('cover', 'x'), AccessRevokedError)

  // a new request, denied: requestAccess says so
  await assert.rejects(
    PeerDriveApp.requestAccess({
      manifest: { ...manifest, name: 'Other' },
      home: homeA,
      pollMs: 50,
      onPending: (id) => void callApi(a.api, 'apps-deny', { id }),
    }),
    AccessDeniedError,
  )
  await a.stop()
  await b.stop()
})
