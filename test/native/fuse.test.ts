// The fuse-native wrapper: platform check, mount options, mount points.
import assert from 'node:assert/strict'
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  FuseMount,
  FuseUnavailableError,
  cleanStaleMount,
  fuseOptionList,
  fuseSupport,
  isMounted,
  parseMountInfo,
  prepareMountPoint,
} from '../../native/fuse.ts'
import { createFuseOps } from '../../main/core/fuse/index.ts'
import { MemoryDriveFs } from '../core/fuse/memory-drive-fs.ts'
import { overriding, sh } from '../core/fuse/support.ts'
import { tempDir } from '../helpers.ts'

test('the platform check finds FUSE here, and says what to install when it is missing', () => {
  assert.deepEqual(fuseSupport(), { available: true })

  const noDevice = fuseSupport({ devFuse: '/nonexistent/fuse' })
  assert.equal(noDevice.available, false)
  assert.ok(!noDevice.available)
  assert.match(noDevice.reason, /\/nonexistent\/fuse is missing/)
  assert.match(noDevice.hint, /apt-get install fuse libfuse2/)

  const noLib = fuseSupport({
    load: () => {
      throw new Error('libfuse.so.2: cannot open shared object file: No such file or directory\n  at stack')
    },
  })
  assert.ok(!noLib.available)
  assert.equal(
    noLib.reason,
    'libfuse is not installed (libfuse.so.2: cannot open shared object file: No such file or directory)',
  )
  assert.equal(noLib.hint, 'apt-get install fuse libfuse2')
  const err = new FuseUnavailableError(noLib.reason, noLib.hint)
  assert.equal(err.name, 'FuseUnavailable')
  assert.doesNotMatch(err.message, /\n/)
  assert.match(
    err.message,
    /^FUSE is unavailable: libfuse is not installed .*\(apt-get install fuse libfuse2\)$/,
  )

  assert.equal(fuseSupport({ platform: 'win32' }).available, false)
})

test('mount options: big writes of 128 KiB always, kernel caching on request', () => {
  const base = fuseOptionList()
  assert.deepEqual(base, [
    'fsname=peerdrive',
    'subtype=peerdrive',
    'big_writes',
    'max_write=131072',
    'default_permissions',
    'use_ino',
  ])
  assert.ok(fuseOptionList({ cache: 'auto' }).includes('auto_cache'))
  assert.ok(fuseOptionList({ cache: 'kernel' }).includes('kernel_cache'))
  assert.ok(!fuseOptionList({ cache: 'off' }).some((o) => o.endsWith('_cache')))
  assert.throws(() => fuseOptionList({ fsName: 'a,allow_other' }), TypeError)
})

/** Mounts a twin whose writes are recorded, runs dd bs=1M through it, and returns the request sizes. */
async function writeSizes(dir: string, maxWrite?: number): Promise<number[]> {
  const twin = new MemoryDriveFs()
  const sizes: number[] = []
  const spy = overriding(twin, {
    write: (h: number, pos: number, data: Uint8Array) => {
      sizes.push(data.length)
      return twin.write(h, pos, data)
    },
  })
  const mnt = join(dir, `m${maxWrite ?? ''}`)
  await mkdir(mnt)
  const mount = await FuseMount.mount(mnt, createFuseOps(spy, { log: () => {} }), { maxWrite })
  try {
    assert.match(mount.options, new RegExp(`^-o.*big_writes,max_write=${maxWrite ?? 131072}`))
    await sh(mnt, 'dd if=/dev/zero of=f bs=1M count=8 status=none')
  } finally {
    await mount.unmount()
  }
  return sizes
}

test('the kernel sends writes of max_write bytes (128 KiB), not 4 KiB pages', async (t) => {
  const dir = await tempDir(t)
  const big = await writeSizes(dir)
  assert.equal(
    big.reduce((a, b) => a + b, 0),
    8 * 1024 * 1024,
  )
  assert.equal(Math.max(...big), 128 * 1024)
  assert.equal(big.length, 64)
  const small = await writeSizes(dir, 4096)
  assert.equal(Math.max(...small), 4096)
})

test('mountinfo parsing undoes the kernel escapes in paths', () => {
  const [entry] = parseMountInfo(
    '42 27 0:39 / /tmp/my\\040drive\\134x rw,nosuid - fuse.peerdrive peerdrive rw,user_id=0\n',
  )
  assert.deepEqual(entry, {
    device: '0:39',
    mountPoint: '/tmp/my drive\\x',
    fsType: 'fuse.peerdrive',
    source: 'peerdrive',
  })
  const withOptional = parseMountInfo('1 2 8:1 / / rw shared:1 master:2 - ext4 /dev/sda1 rw')
  assert.equal(withOptional[0]!.fsType, 'ext4')
})

test('prepareMountPoint creates a missing directory and accepts an empty one', async (t) => {
  const dir = await tempDir(t)
  const fresh = join(dir, 'a/b/drive')
  assert.equal(await prepareMountPoint(fresh), fresh)
  assert.deepEqual(await readdir(fresh), [])
  assert.equal(await prepareMountPoint(fresh), fresh)
  assert.equal(await prepareMountPoint(join(dir, 'a/../a/b/drive')), fresh)
})

test('prepareMountPoint refuses a non-empty directory, a file, a symlink and a live mount', async (t) => {
  const mounts: FuseMount[] = []
  t.after(() => Promise.all(mounts.map((m) => m.unmount()))) // before the temp dir's clean-up
  const dir = await tempDir(t)
  await mkdir(join(dir, 'full'))
  await writeFile(join(dir, 'full/keep.txt'), 'mine')
  await assert.rejects(prepareMountPoint(join(dir, 'full')), (err: Error) => {
    assert.equal(err.name, 'MountPointNotEmpty')
    assert.equal(
      err.message,
      `mount point ${join(dir, 'full')} is not empty: choose an empty or new directory`,
    )
    return true
  })
  await writeFile(join(dir, 'file'), '')
  await assert.rejects(prepareMountPoint(join(dir, 'file')), { name: 'MountPointNotDirectory' })
  await symlink('full', join(dir, 'link'))
  await assert.rejects(prepareMountPoint(join(dir, 'link')), { name: 'MountPointNotDirectory' })

  const mnt = join(dir, 'mnt')
  await mkdir(mnt)
  mounts.push(await FuseMount.mount(mnt, createFuseOps(new MemoryDriveFs())))
  await assert.rejects(prepareMountPoint(mnt), (err: Error) => {
    assert.equal(err.name, 'MountPointBusy')
    assert.match(err.message, /fuse\.peerdrive.*fusermount -uz/)
    return true
  })
})

test('isMounted follows mount and unmount; unmount is idempotent; a live mount is not stale', async (t) => {
  const dir = await tempDir(t)
  const mnt = join(dir, 'mnt')
  await mkdir(mnt)
  assert.equal(await isMounted(mnt), false)
  assert.equal(await cleanStaleMount(mnt), false)
  const mount = await FuseMount.mount(mnt, createFuseOps(new MemoryDriveFs()))
  try {
    assert.equal(await isMounted(mnt), true)
    assert.equal(await cleanStaleMount(mnt), false)
    assert.equal(await isMounted(mnt), true)
  } finally {
    await mount.unmount()
  }
  await mount.unmount()
  assert.equal(await isMounted(mnt), false)
  assert.deepEqual(await readdir(mnt), [])
})

test('a mount libfuse refuses is a named error saying where and why', async (t) => {
  const dir = await tempDir(t)
  await assert.rejects(
    FuseMount.mount(join(dir, 'missing'), createFuseOps(new MemoryDriveFs())),
    (err: Error) => {
      assert.equal(err.name, 'MountFailed')
      assert.equal(
        err.message,
        `could not mount the drive at ${join(dir, 'missing')}: Mountpoint does not exist`,
      )
      return true
    },
  )
})
