// Share links on a real loopback network: a folder shared by one account is
// read by another node through the link, follows the folder's changes,
// stops at revocation (nothing written after it is ever named under the
// link) and at expiry, and a link with a wrong key reads nothing.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import { OwnerKey } from '../../../main/core/records/index.ts'
import {
  currentAccountId,
  parseShareLink,
  publishForward,
  readShareState,
} from '../../../main/core/share/index.ts'
import { everyAddress, startDriveNode, writeDriveFile } from '../account/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'

const text = (s: string) => Buffer.from(s)

test('a folder shared by link is read by another account, follows its changes, and stops at revocation and expiry', async (t) => {
  const vaults = await startNodes(t, 4)
  const owner = await startDriveNode(t, everyAddress(vaults))
  const reader = await startDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, owner.node, reader.node])
  await owner.create({ keyword: 'sharer', pin: '1122', password: 'links for friends' })
  await reader.create({ keyword: 'friend', pin: '3344', password: 'reading what is shared' })
  const drive = owner.drive!
  await drive.mkdir('/Trip', 0o755)
  await writeDriveFile(drive, '/Trip/notes.txt', text('day one: the coast'))
  await drive.mkdir('/Trip/photos', 0o755)
  await writeDriveFile(drive, '/Trip/photos/a.jpg', Buffer.alloc(70_000, 9))
  await writeDriveFile(drive, '/private.txt', text('not shared'))

  const ownerApi = { port: owner.api.port, token: owner.api.token }
  const readerApi = { port: reader.api.port, token: reader.api.token }
  const share = await callApi(ownerApi, 'share-create', { path: '/Trip', expires_ms: 7 * 86_400_000 })
  assert.match(share.link, /^pds1:[A-Za-z0-9_-]{86}$/)
  assert.equal(share.state, 'live')
  const read = async () => callApi(readerApi, 'public-get', { address: share.link })
  const files = (r: Awaited<ReturnType<typeof read>>) =>
    Object.fromEntries(r.files.map((f) => [f.path, Buffer.from(f.data, 'base64').toString()]))

  const first = await read()
  assert.equal(first.kind, 'folder')
  assert.equal(first.name, 'Trip')
  assert.deepEqual(Object.keys(files(first)).sort(), ['notes.txt', 'photos/a.jpg'])
  assert.equal(files(first)['notes.txt'], 'day one: the coast')

  // the link follows the folder
  await writeDriveFile(drive, '/Trip/notes.txt', text('day two: the hills'))
  await writeDriveFile(drive, '/Trip/new.txt', text('added later'))
  await waitFor(
    async () => files(await read())['notes.txt'] === 'day two: the hills',
    60_000,
    'the link to show the edit',
  )
  assert.equal(files(await read())['new.txt'], 'added later')

  // revoked: the link reads nothing, and the record names nothing written after
  const revoked = await callApi(ownerApi, 'share-revoke', { target: '/Trip' })
  assert.deepEqual(
    revoked.shares.map((s) => s.state),
    ['revoked'],
  )
  await assert.rejects(read(), /revoked/)
  await writeDriveFile(drive, '/Trip/notes.txt', text('day three: after the revocation'))
  await owner.shares.check()
  const state = await readShareState(owner.node.records, parseShareLink(share.link))
  assert.equal(state?.state.state, 'revoked')
  assert.equal(state?.state.index, undefined)
  await assert.rejects(read(), /revoked/)

  // expiry: refused by readers once past, and sealed shut by the owner's next check
  const brief = await callApi(ownerApi, 'share-create', { path: '/Trip/notes.txt', expires_ms: 3_000 })
  const file = await callApi(readerApi, 'public-get', { address: brief.link })
  assert.equal(Buffer.from(file.files[0]!.data, 'base64').toString(), 'day three: after the revocation')
  await waitFor(
    async () =>
      (await callApi(readerApi, 'public-get', { address: brief.link }).then(
        () => false,
        (err: Error) => /expired/.test(err.message),
      )) === true,
    60_000,
    'the short link to expire',
  )
  await waitFor(
    async () =>
      (await readShareState(owner.node.records, parseShareLink(brief.link)))?.state.state === 'revoked',
    60_000,
    'the owner to seal the expired share',
  )

  // a link with another key opens nothing
  const body = Buffer.from(share.link.slice(5), 'base64url')
  body[40]! ^= 1
  await assert.rejects(
    callApi(readerApi, 'public-get', { address: `pds1:${body.toString('base64url')}` }),
    /cannot be read/,
  )
  assert.deepEqual(
    (await callApi(ownerApi, 'share-list', {})).shares.map((s) => [s.path, s.state]),
    [
      ['/Trip/notes.txt', 'revoked'],
      ['/Trip', 'revoked'],
    ],
  )
  await owner.stop()
  await reader.stop()
})

test('after a password change, links handed out and shares opened keep working, and a revocation still stops them', async (t) => {
  const vaults = await startNodes(t, 4)
  const owner = await startDriveNode(t, everyAddress(vaults))
  const reader = await startDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, owner.node, reader.node])
  const ownerCreds = { keyword: 'rotating-sharer', pin: '1122', password: 'before the change' }
  const readerCreds = { keyword: 'rotating-reader', pin: '3344', password: 'reader before' }
  await owner.create(ownerCreds)
  await reader.create(readerCreds)
  await owner.drive!.mkdir('/Trip', 0o755)
  await writeDriveFile(owner.drive!, '/Trip/notes.txt', text('before the password change'))
  const ownerApi = { port: owner.api.port, token: owner.api.token }
  const readerApi = { port: reader.api.port, token: reader.api.token }
  const share = await callApi(ownerApi, 'share-create', { path: '/Trip' })
  await callApi(readerApi, 'shared-add', { link: share.link })
  const read = async () => {
    const got = await callApi(readerApi, 'public-get', { address: share.link })
    return Buffer.from(got.files.find((f) => f.path === 'notes.txt')!.data, 'base64').toString()
  }
  assert.equal(await read(), 'before the password change')

  const oldId = owner.account!.id
  await owner.changePassword({ ...ownerCreds, new_password: 'after the change' })
  assert.notEqual(owner.account!.id, oldId, 'every key rotated')
  const [moved] = (await callApi(ownerApi, 'share-list', {})).shares
  assert.equal(moved?.state, 'live')
  assert.notEqual(moved?.link, share.link, 'the share lives under the new keys')
  // the old link forwards to it, and follows the folder as it changes
  assert.equal(await read(), 'before the password change')
  await writeDriveFile(owner.drive!, '/Trip/notes.txt', text('after the password change'))
  await waitFor(
    async () => {
      await owner.shares.check()
      return (await read()) === 'after the password change'
    },
    60_000,
    'the old link to show an edit made after the change',
  )

  // the reader's own password change keeps what it opened
  const readerOldId = reader.account!.id
  await reader.changePassword({ ...readerCreds, new_password: 'reader after' })
  await reader.received.refresh()
  assert.deepEqual(
    reader.received.list().map((s) => [s.name, s.state]),
    [['Trip', 'live']],
  )
  // the retired ids name the new ones, so a share sent to the id the owner knew still arrives
  assert.equal(await currentAccountId(owner.node.records, oldId), owner.account!.id)
  assert.equal(await currentAccountId(owner.node.records, readerOldId), reader.account!.id)
  await owner.drive!.mkdir('/Menu', 0o755)
  await writeDriveFile(owner.drive!, '/Menu/soup.txt', text('leek and potato'))
  await callApi(ownerApi, 'share-create', { path: '/Menu', with: readerOldId })
  await waitFor(
    async () => {
      await reader.received.refresh()
      return reader.received.list().some((s) => s.name === 'Menu')
    },
    120_000,
    'a share sent to the reader’s retired id to arrive',
  )
  await reader.received.remove('Menu')

  // revoked by the link handed out before the change: the old link reads nothing more
  const revoked = await callApi(ownerApi, 'share-revoke', { target: share.link })
  assert.deepEqual(
    revoked.shares.map((s) => s.state),
    ['revoked'],
  )
  await assert.rejects(read(), /revoked/)
  await reader.received.refresh()
  assert.deepEqual(
    reader.received.list().map((s) => s.state),
    ['revoked'],
  )
})

test('a retired account id names its successor for good: a second forward, even signed with its key, is refused', async (t) => {
  const vaults = await startNodes(t, 4)
  await meshUp(vaults)
  const records = vaults[0]!.records
  const account = () => {
    const seed = randomBytes(32)
    return { seed, id: Buffer.from(OwnerKey.fromSeed(seed).publicKey).toString('hex') }
  }
  const [retired, successor, thief, other] = [account(), account(), account(), account()]
  assert.equal(await currentAccountId(records, retired.id), retired.id, 'an id that never moved is itself')
  await publishForward(records, retired.seed, successor.id)
  assert.equal(await currentAccountId(records, retired.id), successor.id)
  // a stolen copy of the retired key cannot point the id elsewhere afterwards
  await assert.rejects(publishForward(records, retired.seed, thief.id))
  assert.equal(await currentAccountId(records, retired.id), successor.id)
  // forwards that loop end where the loop closes
  await publishForward(records, successor.seed, other.id)
  await publishForward(records, other.seed, successor.id)
  assert.equal(await currentAccountId(records, retired.id), other.id)
})
