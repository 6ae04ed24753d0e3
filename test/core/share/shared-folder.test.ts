// A folder shared for writing between two accounts, both mounted with FUSE on
// a loopback network: the owner's folder stays where it was, the other
// account finds it under "Shared with me/", an edit on either side reaches
// the other, and once the owner stops sharing nothing written afterwards
// crosses over.
import assert from 'node:assert/strict'
import { mkdir, readFile, readdir, rename, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import { SHARED_DIR } from '../../../main/core/share/index.ts'
import { everyAddress, startMountedDriveNode } from '../account/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'

const exists = (path: string): Promise<boolean> =>
  readFile(path).then(
    () => true,
    () => false,
  )

test('a folder shared for writing: both accounts edit it through their mounts, and unsharing stops it', async (t) => {
  const vaults = await startNodes(t, 4)
  const a = await startMountedDriveNode(t, everyAddress(vaults))
  const b = await startMountedDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, a.node.node, b.node.node])
  await a.node.create({ keyword: 'owner', pin: '1122', password: 'a folder for two' })
  const friend = await b.node.create({ keyword: 'member', pin: '3344', password: 'writing together' })
  const notices: string[] = []
  t.after(
    b.node.feed.events.on(
      (e) => void (e.type === 'notice' && e.kind === 'share-received' && notices.push(e.message)),
    ),
  )

  const project = join(a.mnt, 'Project')
  await mkdir(join(project, 'drafts'), { recursive: true })
  const big = Buffer.alloc(300_000)
  for (let i = 0; i < big.length; i++) big[i] = (i * 13) % 251
  await writeFile(join(project, 'plan.txt'), 'step one')
  await writeFile(join(project, 'drafts', 'big.bin'), big)
  const aApi = { port: a.node.api.port, token: a.node.api.token }
  const bApi = { port: b.node.api.port, token: b.node.api.token }
  await assert.rejects(callApi(aApi, 'share-create', { path: '/Project', write: true }), /with an account/)
  await assert.rejects(
    callApi(aApi, 'share-create', { path: '/Project/plan.txt', with: friend.account_id!, write: true }),
    /only folders/,
  )
  const shared = await callApi(
    aApi,
    'share-create',
    { path: '/Project', with: friend.account_id!, write: true },
    { timeoutMs: 300_000 },
  )
  assert.equal(shared.write, true)
  assert.equal(shared.path, '/Project')
  assert.equal(shared.with, friend.account_id)

  // the owner's folder is where it was, now a drive of its own
  assert.equal(await readFile(join(project, 'plan.txt'), 'utf8'), 'step one')
  assert.ok((await readFile(join(project, 'drafts', 'big.bin'))).equals(big))
  assert.deepEqual(await a.node.drive!.readdir('/Project'), [], 'the drive keeps an empty mount point')
  await assert.rejects(rmdir(project), { code: 'EBUSY' })
  await assert.rejects(rename(join(project, 'plan.txt'), join(a.mnt, 'plan.txt')), { code: 'EXDEV' })
  assert.equal((await callApi(aApi, 'share-list', {})).shares.filter((s) => s.write).length, 1)

  // it arrives in the other account's "Shared with me", for writing
  const theirs = join(b.mnt, SHARED_DIR, 'Project')
  await waitFor(
    async () => {
      await b.node.received.refresh()
      return exists(join(theirs, 'plan.txt'))
    },
    120_000,
    'the folder to arrive in the member’s "Shared with me"',
  )
  assert.equal(await readFile(join(theirs, 'plan.txt'), 'utf8'), 'step one')
  assert.ok((await readFile(join(theirs, 'drafts', 'big.bin'))).equals(big))
  const [listed] = (await callApi(bApi, 'shared-list', {})).shared
  assert.equal(listed?.write, true)
  assert.equal(listed?.from, a.node.account!.id)
  assert.equal(notices.length, 1)
  assert.match(notices[0]!, /for writing/)

  // the member writes; the owner sees it
  await writeFile(join(theirs, 'from-member.txt'), 'hello from B')
  await writeFile(join(theirs, 'plan.txt'), 'step one, step two')
  await waitFor(
    async () =>
      (await readFile(join(project, 'from-member.txt'), 'utf8').catch(() => '')) === 'hello from B' &&
      (await readFile(join(project, 'plan.txt'), 'utf8')) === 'step one, step two',
    120_000,
    'the member’s edits to reach the owner',
  )
  // the owner writes; the member sees it
  await mkdir(join(project, 'replies'))
  await writeFile(join(project, 'replies', 'ok.txt'), 'got it')
  await waitFor(
    async () => (await readFile(join(theirs, 'replies', 'ok.txt'), 'utf8').catch(() => '')) === 'got it',
    120_000,
    'the owner’s edits to reach the member',
  )

  // the file commands act on the folder's own drive, by the mount's paths
  // (the folder's history is shared: the member's version of plan.txt reaches the owner's list)
  await waitFor(
    async () => {
      await a.node.folders!.find('/Project')!.drive.publishHistory()
      return (await callApi(aApi, 'files-versions', { path: '/Project/plan.txt' })).versions.length >= 1
    },
    120_000,
    'the member’s version of plan.txt in the owner’s history of the folder',
  )
  const versions = await callApi(aApi, 'files-versions', { path: '/Project/plan.txt' })
  assert.equal(versions.path, '/Project/plan.txt')
  const kept = await callApi(aApi, 'files-keep', { path: '/Project/drafts' })
  assert.equal(kept.path, '/Project/drafts')
  assert.equal(kept.files, 1)
  const { kept: availability } = await callApi(aApi, 'files-availability', {
    paths: ['/Project/drafts/big.bin'],
  })
  assert.deepEqual(availability, [{ path: '/Project/drafts/big.bin', kept: true }])

  // the owner stops sharing: the folder stays the owner's, and the member's later writes do not reach it
  const [stopped] = (await callApi(aApi, 'share-revoke', { target: '/Project' }, { timeoutMs: 300_000 }))
    .shares
  assert.equal(stopped?.write, true)
  assert.equal(stopped?.state, 'revoked')
  assert.equal(await readFile(join(project, 'from-member.txt'), 'utf8'), 'hello from B')
  await writeFile(join(theirs, 'late.txt'), 'after the owner stopped')
  const memberFolder = b.node.folders!.find(`/${SHARED_DIR}/Project`)!
  assert.ok(await memberFolder.drive.syncAll(120_000), 'the member’s late write reached the network')
  const ownerFolder = a.node.folders!.find('/Project')!
  await ownerFolder.drive.liveSync.check()
  assert.ok(!(await exists(join(project, 'late.txt'))), 'nothing written after unsharing reaches the owner')
  assert.deepEqual((await callApi(aApi, 'share-list', {})).shares, [])

  // the member leaves: the folder goes from its mount
  const left = await callApi(bApi, 'shared-remove', { target: 'Project' })
  assert.equal(left.state, 'removed')
  assert.ok(!(await readdir(b.mnt)).includes(SHARED_DIR))
  assert.deepEqual((await callApi(bApi, 'shared-list', {})).shared, [])
})
