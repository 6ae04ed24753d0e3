// "Shared with me/": a share link opened by another account shows read-only
// in its FUSE mount, follows the owner's changes, refuses every change made
// through the mount, and goes once the owner revokes it. A folder of the
// user's own with that name is never hidden by it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import { serializeDataMap } from '../../../main/core/selfenc/index.ts'
import { OwnerKey } from '../../../main/core/records/index.ts'
import { SHARED_DIR, safeName, sealOffer, viewOf } from '../../../main/core/share/index.ts'
import { everyAddress, startDriveNode, startMountedDriveNode, writeDriveFile } from '../account/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'

test('an index becomes folders and files; a path both file and folder in a hostile index is the folder', () => {
  const view = viewOf(
    'folder',
    [
      { path: 'a/b/c.txt', size: 2, map: inlineMap('ab') },
      { path: 'a/d.txt', size: 1, map: inlineMap('d') },
      { path: 'a/b', size: 1, map: inlineMap('x') },
      { path: 'top.txt', size: 2, map: inlineMap('hi') },
    ],
    1,
  )
  assert.deepEqual([...view.dirs.get('')!].sort(), ['a', 'top.txt'])
  assert.deepEqual([...view.dirs.get('a')!].sort(), ['b', 'd.txt'])
  assert.deepEqual([...view.dirs.get('a/b')!], ['c.txt'])
  assert.deepEqual([...view.files.keys()].sort(), ['a/b/c.txt', 'a/d.txt', 'top.txt'])
  const file = viewOf('file', [{ path: '', size: 1, map: inlineMap('z') }], 1)
  assert.deepEqual([...file.files.keys()], [''])
  assert.equal(safeName('a/b'), 'a_b')
  assert.equal(safeName('..'), 'shared')
  assert.equal(safeName('  '), 'shared')
})

test('a share link opened by another account is read-only under "Shared with me/" in its mount, follows changes, and goes at revocation', async (t) => {
  const { owner, reader, mnt } = await ownerAndMountedReader(t)
  await owner.create({ keyword: 'sharer', pin: '1122', password: 'links for friends' })
  await reader.create({ keyword: 'friend', pin: '3344', password: 'reading what is shared' })
  const drive = owner.drive!
  await drive.mkdir('/Trip', 0o755)
  await writeDriveFile(drive, '/Trip/notes.txt', Buffer.from('day one: the coast'))
  await drive.mkdir('/Trip/photos', 0o755)
  const photo = Buffer.alloc(300_000)
  for (let i = 0; i < photo.length; i++) photo[i] = (i * 7) % 251
  await writeDriveFile(drive, '/Trip/photos/a.jpg', photo)
  const ownerApi = { port: owner.api.port, token: owner.api.token }
  const readerApi = { port: reader.api.port, token: reader.api.token }
  const share = await callApi(ownerApi, 'share-create', { path: '/Trip' })

  // nothing shared yet: no folder for it
  assert.ok(!(await readdir(mnt)).includes(SHARED_DIR))
  await assert.rejects(callApi(readerApi, 'shared-add', { link: 'pds1:not-a-link' }), /not a share link/)
  const added = await callApi(readerApi, 'shared-add', { link: share.link })
  assert.equal(added.name, 'Trip')
  assert.equal(added.state, 'live')
  assert.equal(added.files, 2)
  // the same link again is the same entry
  assert.equal((await callApi(readerApi, 'shared-add', { link: share.link })).name, 'Trip')
  assert.equal((await callApi(readerApi, 'shared-list', {})).shared.length, 1)

  const shared = join(mnt, SHARED_DIR)
  assert.ok((await readdir(mnt)).includes(SHARED_DIR))
  assert.deepEqual(await readdir(shared), ['Trip'])
  assert.deepEqual((await readdir(join(shared, 'Trip'))).sort(), ['notes.txt', 'photos'])
  assert.equal(await readFile(join(shared, 'Trip/notes.txt'), 'utf8'), 'day one: the coast')
  assert.ok((await readFile(join(shared, 'Trip/photos/a.jpg'))).equals(photo))
  const st = await stat(join(shared, 'Trip/photos/a.jpg'))
  assert.equal(st.size, photo.length)
  assert.equal(st.mode & 0o777, 0o444)

  // read-only: nothing in it can be changed through the mount
  const erofs = { code: 'EROFS' }
  await assert.rejects(writeFile(join(shared, 'Trip/notes.txt'), 'mine now'), erofs)
  await assert.rejects(writeFile(join(shared, 'Trip/new.txt'), 'a new file'), erofs)
  await assert.rejects(mkdir(join(shared, 'Trip/sub')), erofs)
  await assert.rejects(unlink(join(shared, 'Trip/notes.txt')), erofs)
  await assert.rejects(rm(join(shared, 'Trip'), { recursive: true }), /EROFS|EACCES|EPERM/)
  assert.equal(await readFile(join(shared, 'Trip/notes.txt'), 'utf8'), 'day one: the coast')
  // the reader's own files are untouched by it
  await writeFile(join(mnt, 'mine.txt'), 'my own file')
  assert.equal(await readFile(join(mnt, 'mine.txt'), 'utf8'), 'my own file')

  // the owner's edit reaches the mount (a refresh is what the node's timer runs every 15 s)
  await writeDriveFile(drive, '/Trip/notes.txt', Buffer.from('day two: the hills, a longer day'))
  await waitFor(
    async () => {
      await owner.shares.check()
      await reader.received.refresh()
      return (
        (await readFile(join(shared, 'Trip/notes.txt'), 'utf8').catch(() => '')) ===
        'day two: the hills, a longer day'
      )
    },
    120_000,
    'the owner’s edit in the reader’s mount',
  )

  // revoked: the folder goes, and the list says why
  await callApi(ownerApi, 'share-revoke', { target: '/Trip' })
  await reader.received.refresh()
  assert.ok(!(await readdir(mnt)).includes(SHARED_DIR))
  await assert.rejects(readFile(join(shared, 'Trip/notes.txt')), { code: 'ENOENT' })
  assert.deepEqual(
    (await callApi(readerApi, 'shared-list', {})).shared.map((s) => [s.name, s.state]),
    [['Trip', 'revoked']],
  )
  // a revoked link is not opened again
  await assert.rejects(
    callApi(readerApi, 'shared-remove', { target: 'nothing by this name' }),
    /nothing shared/,
  )
  assert.equal((await callApi(readerApi, 'shared-remove', { target: 'Trip' })).state, 'removed')
  await assert.rejects(callApi(readerApi, 'shared-add', { link: share.link }), /revoked/)
  assert.deepEqual((await callApi(readerApi, 'shared-list', {})).shared, [])
})

test('a folder of the user’s own named "Shared with me" is never hidden by what is shared', async (t) => {
  const { owner, reader, mnt } = await ownerAndMountedReader(t)
  await owner.create({ keyword: 'sharer2', pin: '1122', password: 'links for friends' })
  await reader.create({ keyword: 'friend2', pin: '3344', password: 'reading what is shared' })
  await writeDriveFile(owner.drive!, '/poem.txt', Buffer.from('a short poem'))
  const share = await callApi({ port: owner.api.port, token: owner.api.token }, 'share-create', {
    path: '/poem.txt',
  })
  await reader.received.add(share.link)
  assert.equal(await readFile(join(mnt, SHARED_DIR, 'poem.txt'), 'utf8'), 'a short poem')
  await assert.rejects(mkdir(join(mnt, SHARED_DIR)), { code: 'EEXIST' })
  // once the user's own folder of that name exists (made by another device), it is what the mount shows
  await reader.drive!.mkdir(`/${SHARED_DIR}`, 0o755)
  await writeDriveFile(reader.drive!, `/${SHARED_DIR}/own.txt`, Buffer.from('the user’s own'))
  await waitFor(
    async () => (await readdir(join(mnt, SHARED_DIR)).catch((): string[] => [])).includes('own.txt'),
    30_000,
    'the user’s own folder in the mount',
  )
  assert.deepEqual(await readdir(join(mnt, SHARED_DIR)), ['own.txt'])
  assert.equal((await readdir(mnt)).filter((n) => n === SHARED_DIR).length, 1)
})

/** Four vaults, an owner's drive node, and a reader's with its drive mounted with FUSE, all met. */
async function ownerAndMountedReader(t: TestContext) {
  const vaults = await startNodes(t, 4)
  const owner = await startDriveNode(t, everyAddress(vaults))
  const { node: reader, mnt } = await startMountedDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, owner.node, reader.node])
  return { owner, reader, mnt }
}

/** A data map that holds its bytes inline (a file under 3 bytes). */
function inlineMap(text: string): string {
  const bytes = Buffer.from(text)
  return Buffer.from(serializeDataMap({ kind: 'inline', size: bytes.length, bytes })).toString('base64url')
}

test('a folder sent to another account by its id arrives in its "Shared with me", and nothing forged does', async (t) => {
  const vaults = await startNodes(t, 4)
  const owner = await startDriveNode(t, everyAddress(vaults))
  const reader = await startDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, owner.node, reader.node])
  await owner.create({ keyword: 'sender', pin: '1122', password: 'sending to a friend' })
  const friend = await reader.create({
    keyword: 'receiver',
    pin: '3344',
    password: 'receiving from a friend',
  })
  const notices: string[] = []
  t.after(
    reader.feed.events.on(
      (e) => void (e.type === 'notice' && e.kind === 'share-received' && notices.push(e.message)),
    ),
  )
  await owner.drive!.mkdir('/Plans', 0o755)
  await writeDriveFile(owner.drive!, '/Plans/route.txt', Buffer.from('north along the coast'))
  const ownerApi = { port: owner.api.port, token: owner.api.token }
  await assert.rejects(callApi(ownerApi, 'share-create', { path: '/Plans', with: 'bob' }), /64 hex/)
  await assert.rejects(
    callApi(ownerApi, 'share-create', { path: '/Plans', with: owner.account!.id }),
    /another one/,
  )
  // garbage and an offer sealed to someone else wait in the reader's inbox beside the real one
  assert.ok((await owner.node.shareInbox.deliver(friend.account_id!, randomBytes(300))) > 0)
  const stranger = Buffer.from(OwnerKey.generate().publicKey).toString('hex')
  assert.ok(
    (await owner.node.shareInbox.deliver(
      friend.account_id!,
      sealOffer(owner.account!.keys.accountSeed, stranger, { link: `pds1:${'A'.repeat(86)}`, name: 'x' }),
    )) > 0,
  )
  const sent = await callApi(ownerApi, 'share-create', { path: '/Plans', with: friend.account_id! })
  assert.equal(sent.with, friend.account_id)
  assert.equal(sent.state, 'live')

  await waitFor(
    async () => {
      await reader.received.refresh()
      return reader.received.list().length > 0
    },
    120_000,
    'the share to arrive in the reader’s inbox',
  )
  const [got] = (await callApi({ port: reader.api.port, token: reader.api.token }, 'shared-list', {})).shared
  assert.equal(got?.name, 'Plans')
  assert.equal(got?.from, owner.account!.id)
  assert.equal(got?.state, 'live')
  assert.equal(reader.received.list().length, 1, 'the garbage and the stranger’s offer are not opened')
  assert.equal(notices.length, 1)
  assert.match(notices[0]!, /shared "Plans" with you/)
  const view = reader.received.views().get('Plans')!
  assert.deepEqual([...view.files.keys()], ['route.txt'])
  // taken out by the user, it does not come back from the inbox
  await reader.received.remove('Plans')
  await reader.received.refresh()
  assert.deepEqual(reader.received.list(), [])
})
