// A tree mounted inside the drive: calls at and below the mount point go to
// it, folders above it exist even where the drive has none, and nothing
// renames, links or removes across or over the mount point.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { MemoryChunkStore } from '../../../main/core/chunk-store.ts'
import { Drive, MemoryRootStore, newDriveKeys, withMounts } from '../../../main/core/drive/index.ts'
import type { DriveFs } from '../../../main/core/drive/index.ts'
import { readDriveFile, writeDriveFile } from '../account/support.ts'
import { tempDir } from '../../helpers.ts'

async function localDrive(t: TestContext): Promise<Drive> {
  const drive = await Drive.open({
    dir: await tempDir(t),
    key: newDriveKeys().encryptionKey,
    chunks: new MemoryChunkStore(),
    root: new MemoryRootStore(),
    liveSyncMs: 0,
  })
  t.after(() => drive.close())
  return drive
}

const me = { uid: 4242, gid: 4343 }

async function setUp(t: TestContext) {
  const base = await localDrive(t)
  const project = await localDrive(t)
  const inbox = await localDrive(t)
  const points = new Map<string, DriveFs>([
    ['/Work/Project', project],
    ['/Shared with me/Plans', inbox],
  ])
  await base.mkdir('/Work', 0o755)
  await base.mkdir('/Work/Project', 0o755)
  await writeDriveFile(base, '/Work/hidden-by-nothing.txt', Buffer.from('base'))
  await writeDriveFile(project, '/inside.txt', Buffer.from('in the project'))
  const fs = withMounts(base, { mounts: () => points }, me)
  return { base, project, inbox, fs, points }
}

test('paths at and below a mount point are the mounted tree; the rest is the drive', async (t) => {
  const { base, project, inbox, fs } = await setUp(t)
  assert.deepEqual((await fs.readdir('/Work')).sort(), ['Project', 'hidden-by-nothing.txt'])
  assert.deepEqual(await fs.readdir('/Work/Project'), ['inside.txt'])
  // a folder above a mount point that the drive does not have is shown, and listed
  assert.ok((await fs.readdir('/')).includes('Shared with me'))
  const above = await fs.getattr('/Shared with me')
  assert.equal(above.kind, 'dir')
  assert.deepEqual(await fs.readdir('/Shared with me'), ['Plans'])

  // a file made through the overlay lands in the mounted tree, not the drive
  const fh = await fs.create('/Shared with me/Plans/todo.txt', 0o644)
  await fs.write(fh, 0, Buffer.from('call the plumber'))
  await fs.release(fh)
  assert.equal((await readDriveFile(inbox, '/todo.txt')).toString(), 'call the plumber')
  await assert.rejects(base.getattr('/Shared with me'), { code: 'ENOENT' })
  const rh = await fs.open('/Work/Project/inside.txt', { write: false })
  assert.equal(Buffer.from(await fs.read(rh, 0, 100)).toString(), 'in the project')
  await fs.release(rh)

  // the mounted tree's entries are the mounting user's, with inode numbers apart from the drive's
  const inside = await fs.getattr('/Work/Project/inside.txt')
  assert.equal(inside.uid, me.uid)
  assert.equal(inside.gid, me.gid)
  const ownIno = (await project.getattr('/inside.txt')).ino
  assert.notEqual(inside.ino, ownIno)
  assert.notEqual((await fs.getattr('/Work/Project')).ino, (await fs.getattr('/Shared with me/Plans')).ino)
  assert.ok(inside.ino < 2 ** 32, 'inode numbers fit the 32 bits FUSE is given')
  await fs.mkdir('/Work/Project/sub', 0o755)
  await fs.rename('/Work/Project/inside.txt', '/Work/Project/sub/moved.txt')
  assert.equal((await readDriveFile(project, '/sub/moved.txt')).toString(), 'in the project')
})

test('nothing moves, links or is removed across a mount point, and the mount point stays', async (t) => {
  const { fs, base } = await setUp(t)
  await assert.rejects(fs.rename('/Work/hidden-by-nothing.txt', '/Work/Project/in.txt'), { code: 'EXDEV' })
  await assert.rejects(fs.rename('/Work/Project/inside.txt', '/Work/out.txt'), { code: 'EXDEV' })
  await assert.rejects(fs.rename('/Work/Project/inside.txt', '/Shared with me/Plans/x.txt'), {
    code: 'EXDEV',
  })
  await assert.rejects(fs.link('/Work/Project/inside.txt', '/Work/link.txt'), { code: 'EXDEV' })
  await assert.rejects(fs.rmdir('/Work/Project'), { code: 'EBUSY' })
  await assert.rejects(fs.rename('/Work/Project', '/Work/Elsewhere'), { code: 'EBUSY' })
  await assert.rejects(fs.rmdir('/Work'), { code: 'EBUSY' })
  await assert.rejects(fs.rename('/Work', '/Play'), { code: 'EBUSY' })
  await assert.rejects(fs.mkdir('/Shared with me', 0o755), { code: 'EEXIST' })
  await assert.rejects(fs.mkdir('/Work/Project', 0o755), { code: 'EEXIST' })
  await assert.rejects(fs.unlink('/Shared with me/Plans'), { code: 'EBUSY' })
  // within the drive, and within one mounted tree, all is as before
  await fs.rename('/Work/hidden-by-nothing.txt', '/Work/renamed.txt')
  assert.equal((await readDriveFile(base, '/Work/renamed.txt')).toString(), 'base')
  await fs.unlink('/Work/Project/inside.txt')
  assert.deepEqual(await fs.readdir('/Work/Project'), [])
})

test('a folder knows whether a file at any depth in it is open for writing', async (t) => {
  const drive = await localDrive(t)
  await drive.mkdir('/A', 0o755)
  await drive.mkdir('/A/B', 0o755)
  await drive.mkdir('/C', 0o755)
  const fh = await drive.create('/A/B/open.txt', 0o644)
  assert.equal(drive.writingIn('/A'), true)
  assert.equal(drive.writingIn('/A/B'), true)
  assert.equal(drive.writingIn('/C'), false)
  await drive.release(fh)
  assert.equal(drive.writingIn('/A'), false)
  const rh = await drive.open('/A/B/open.txt', { write: false })
  assert.equal(drive.writingIn('/A'), false, 'open for reading only')
  await drive.release(rh)
})
