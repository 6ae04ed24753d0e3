// Failures reach programs as the errno they expect, and a fault in the drive
// costs one request an EIO, never the mount.
import assert from 'node:assert/strict'
import {
  mkdir,
  open,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { MemoryDriveFs } from './memory-drive-fs.ts'
import { MiB, codeOf, mountFs, mountTwin, overriding, sh } from './support.ts'

test('POSIX errors: ENOENT, EEXIST, ENOTEMPTY, EISDIR, ENOTDIR, EINVAL, ENAMETOOLONG', async (t) => {
  const { mnt } = await mountTwin(t)
  await mkdir(join(mnt, 'd'))
  await writeFile(join(mnt, 'd/f'), 'x')
  await writeFile(join(mnt, 'file'), 'x')

  assert.equal(await codeOf(readFile(join(mnt, 'missing'))), 'ENOENT')
  assert.equal(await codeOf(stat(join(mnt, 'missing/deeper'))), 'ENOENT')
  assert.equal(await codeOf(rename(join(mnt, 'missing'), join(mnt, 'x'))), 'ENOENT')
  assert.equal(await codeOf(mkdir(join(mnt, 'd'))), 'EEXIST')
  assert.equal(await codeOf(writeFile(join(mnt, 'file'), 'y', { flag: 'wx' })), 'EEXIST')
  assert.equal(await codeOf(symlink('t', join(mnt, 'file'))), 'EEXIST')
  assert.equal(await codeOf(rmdir(join(mnt, 'd'))), 'ENOTEMPTY')
  assert.equal(await codeOf(rename(join(mnt, 'file'), join(mnt, 'd'))), 'EISDIR')
  assert.equal(await codeOf(writeFile(join(mnt, 'd'), 'y')), 'EISDIR')
  assert.equal(await codeOf(readdir(join(mnt, 'file'))), 'ENOTDIR')
  assert.equal(await codeOf(mkdir(join(mnt, 'file/sub'))), 'ENOTDIR')
  assert.equal(await codeOf(rmdir(join(mnt, 'file'))), 'ENOTDIR')
  assert.equal(await codeOf(rename(join(mnt, 'd'), join(mnt, 'd/inside'))), 'EINVAL')
  assert.equal(await codeOf(readlink(join(mnt, 'file'))), 'EINVAL')
  assert.equal(await codeOf(writeFile(join(mnt, 'n'.repeat(256)), 'y')), 'ENAMETOOLONG')
  await writeFile(join(mnt, 'n'.repeat(255)), 'y')

  // and the shell's tools say so
  await assert.rejects(sh(mnt, 'cat missing'), /No such file or directory/)
  await assert.rejects(sh(mnt, 'rmdir d'), /Directory not empty/)
  await assert.rejects(sh(mnt, 'ln d hardlink'), /hard link not allowed for directory/)
})

test('a full drive: writes fail with ENOSPC, and space freed is usable again', async (t) => {
  const { mnt, fs } = await mountTwin(t, { capacityBytes: 4 * MiB })
  assert.equal(await codeOf(writeFile(join(mnt, 'big'), Buffer.alloc(5 * MiB))), 'ENOSPC')
  await assert.rejects(
    sh(mnt, 'dd if=/dev/zero of=dd.out bs=1M count=8 status=none'),
    /No space left on device/,
  )
  assert.ok(fs.usedBytes <= 4 * MiB)
  await rm(join(mnt, 'big'))
  await rm(join(mnt, 'dd.out'))
  await writeFile(join(mnt, 'fits'), Buffer.alloc(3 * MiB))
  assert.equal((await stat(join(mnt, 'fits'))).size, 3 * MiB)
})

test('a plain Error from the drive is EIO for that request, logged, and the mount keeps working', async (t) => {
  const twin = new MemoryDriveFs()
  let readsFail = false
  const faulty = overriding(twin, {
    getattr: async (path: string) => {
      if (path.endsWith('/cursed')) throw new Error('metadata block unreadable')
      return twin.getattr(path)
    },
    read: async (handle: number, position: number, length: number) => {
      if (readsFail) throw new RangeError('chunk fetch failed')
      return twin.read(handle, position, length)
    },
  })
  const { mnt, logs } = await mountFs(t, faulty)

  assert.equal(await codeOf(stat(join(mnt, 'cursed'))), 'EIO')
  assert.equal(await codeOf(writeFile(join(mnt, 'cursed'), 'x')), 'EIO')
  assert.match(
    logs.join('\n'),
    /fuse: getattr \/cursed failed, answered EIO: Error: metadata block unreadable/,
  )

  await writeFile(join(mnt, 'ok'), 'still fine')
  readsFail = true
  assert.equal(await codeOf(readFile(join(mnt, 'ok'))), 'EIO')
  assert.match(logs.join('\n'), /fuse: read \/ok failed, answered EIO: RangeError: chunk fetch failed/)
  readsFail = false
  assert.equal(await readFile(join(mnt, 'ok'), 'utf8'), 'still fine')
  assert.deepEqual(await readdir(mnt), ['ok'])
})

test('a drive that never answers costs the caller ETIMEDOUT after the timeout, not a hung mount', async (t) => {
  const twin = new MemoryDriveFs()
  const stuck = overriding(twin, { readlink: () => new Promise<string>(() => {}) })
  const { mnt } = await mountFs(t, stuck, { timeoutMs: 300 })
  await symlink('target', join(mnt, 'l'))
  assert.equal(await codeOf(readlink(join(mnt, 'l'))), 'ETIMEDOUT')
  const handle = await open(join(mnt, 'f'), 'w')
  await handle.write('alive')
  await handle.close()
  await unlink(join(mnt, 'f'))
})
