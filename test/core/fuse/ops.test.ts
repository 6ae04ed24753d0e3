// The FUSE operations called as fuse-native calls them, without a mount:
// errno mapping, stat shapes, and one answer per request whatever happens.
import assert from 'node:assert/strict'
import { constants } from 'node:fs'
import { constants as os } from 'node:os'
import { test } from 'node:test'
import type { DriveFs } from '../../../main/core/drive/fs-types.ts'
import { FsError } from '../../../main/core/drive/fs-types.ts'
import { createFuseOps, toFuseStatfs, toOpenFlags } from '../../../main/core/fuse/index.ts'
import type { FuseOperations } from '../../../native/fuse.ts'
import { MemoryDriveFs } from './memory-drive-fs.ts'
import { overriding } from './support.ts'

const owner = { uid: 1234, gid: 5678 }

/** Calls one operation and resolves with every answer it gave (a correct op gives exactly one). */
function call(invoke: (done: (...args: unknown[]) => void) => void, settleMs = 10): Promise<unknown[][]> {
  const answers: unknown[][] = []
  invoke((...args) => answers.push(args))
  return new Promise((resolve) => setTimeout(() => resolve(answers), settleMs))
}

async function once(invoke: (done: (...args: unknown[]) => void) => void): Promise<unknown[]> {
  const answers = await call(invoke)
  assert.equal(answers.length, 1, `answered ${answers.length} times`)
  return answers[0]!
}

function setup(fs: DriveFs = new MemoryDriveFs()): { ops: Required<FuseOperations>; logs: string[] } {
  const logs: string[] = []
  const ops = createFuseOps(fs, { owner, log: (line) => logs.push(line) }) as Required<FuseOperations>
  return { ops, logs }
}

test('every FsError code reaches the kernel as its negative errno', async () => {
  for (const code of [
    'ENOENT',
    'EEXIST',
    'ENOTEMPTY',
    'EISDIR',
    'ENOTDIR',
    'ENOSPC',
    'EINVAL',
    'EXDEV',
  ] as const) {
    const failing = new Proxy({} as DriveFs, {
      get: () => async () => {
        throw new FsError(code, 'as told')
      },
    })
    const { ops, logs } = setup(failing)
    assert.deepEqual(await once((done) => ops.unlink('/x', done)), [-os.errno[code]])
    assert.equal((await once((done) => ops.getattr('/x', done)))[0], -os.errno[code])
    assert.deepEqual(logs, [], 'an FsError is an answer, not a fault')
  }
})

test('a plain Error, a synchronous throw or a non-Error becomes EIO and one log line', async () => {
  const fs = new MemoryDriveFs()
  const broken = overriding(fs, {
    getattr: async () => {
      throw new Error('disk on fire\nsecond line')
    },
    readdir: () => {
      throw new TypeError('not even async')
    },
    statfs: () => Promise.reject('a string'),
  })
  const { ops, logs } = setup(broken)
  assert.equal((await once((done) => ops.getattr('/a', done)))[0], -os.errno.EIO)
  assert.equal((await once((done) => ops.readdir('/', done)))[0], -os.errno.EIO)
  assert.equal((await once((done) => ops.statfs('/', done)))[0], -os.errno.EIO)
  assert.equal(logs.length, 3)
  assert.match(logs[0]!, /^fuse: getattr \/a failed, answered EIO: Error: disk on fire second line$/)
  assert.match(logs[1]!, /readdir \/ failed.*TypeError: not even async/)
  assert.match(logs[2]!, /statfs .*a string/)
})

test("getattr adds the type bits and the entry's own owner, and counts 512-byte blocks", async () => {
  const fs = new MemoryDriveFs()
  const { ops } = setup(fs)
  await fs.mkdir('/d', 0o750)
  const h = await fs.create('/d/f', 0o640, { uid: 1234, gid: 5678 })
  await fs.write(h, 0, new Uint8Array(1000))
  await fs.symlink('f', '/d/l')
  const [code, f] = (await once((done) => ops.getattr('/d/f', done))) as [number, Record<string, number>]
  assert.equal(code, 0)
  assert.equal(f.mode, constants.S_IFREG | 0o640)
  assert.deepEqual([f.uid, f.gid, f.size, f.blocks, f.nlink], [1234, 5678, 1000, 2, 1])
  const [, d] = (await once((done) => ops.getattr('/d', done))) as [number, Record<string, number>]
  assert.equal(d.mode, constants.S_IFDIR | 0o750)
  const [, l] = (await once((done) => ops.getattr('/d/l', done))) as [number, Record<string, number>]
  assert.equal(l.mode, constants.S_IFLNK | 0o777)
})

test("readdir lists '.' and '..' first, with a stat for every name", async () => {
  const fs = new MemoryDriveFs()
  const { ops } = setup(fs)
  await fs.mkdir('/d', 0o755)
  await fs.release(await fs.create('/d/a', 0o644))
  await fs.mkdir('/d/b', 0o755)
  const [code, names, stats] = (await once((done) => ops.readdir('/d', done))) as [
    number,
    string[],
    { mode: number }[],
  ]
  assert.equal(code, 0)
  assert.deepEqual(names, ['.', '..', 'a', 'b'])
  assert.equal(stats.length, 4)
  assert.deepEqual(
    stats.map((s) => s.mode & constants.S_IFMT),
    [constants.S_IFDIR, constants.S_IFDIR, constants.S_IFREG, constants.S_IFDIR],
  )
})

test('write hands the drive its own copy of the kernel buffer; read fills the kernel buffer', async () => {
  let kept: Uint8Array | undefined
  const fs = new MemoryDriveFs()
  const spy = overriding(fs, {
    write: async (h: number, pos: number, data: Uint8Array) => {
      kept = data
      return fs.write(h, pos, data)
    },
  })
  const { ops } = setup(spy)
  const [, fd] = (await once((done) => ops.create('/f', 0o100644, done))) as [number, number]
  const kernel = Buffer.from('hello world')
  assert.deepEqual(await once((done) => ops.write('/f', fd, kernel, 5, 0, done)), [5])
  kernel.fill(0)
  assert.equal(Buffer.from(kept!).toString(), 'hello')
  const out = Buffer.alloc(16)
  assert.deepEqual(await once((done) => ops.read('/f', fd, out, 16, 1, done)), [4])
  assert.equal(out.subarray(0, 4).toString(), 'ello')
  assert.equal((await fs.getattr('/f')).mode, 0o644, 'create passes permission bits only')
})

test('chown changes the owner as asked (-1 keeps one); link makes a second name; mknod makes a file', async () => {
  const fs = new MemoryDriveFs()
  const { ops } = setup(fs)
  await fs.release(await fs.create('/f', 0o644))
  assert.deepEqual(await once((done) => ops.chown('/f', 42, 43, done)), [0])
  assert.deepEqual(await once((done) => ops.chown('/f', -1, 44, done)), [0])
  const a = await fs.getattr('/f')
  assert.deepEqual([a.uid, a.gid], [42, 44])
  assert.deepEqual(await once((done) => ops.chown('/nope', 0, 0, done)), [-os.errno.ENOENT])
  assert.deepEqual(await once((done) => ops.link('/f', '/g', done)), [0])
  assert.equal((await fs.getattr('/g')).ino, a.ino)
  assert.equal((await fs.getattr('/f')).nlink, 2)
  assert.deepEqual(await once((done) => ops.mknod('/p', constants.S_IFREG | 0o644, 0, done)), [0])
  assert.equal((await fs.getattr('/p')).kind, 'file')
})

test('utimens: UTIME_NOW sets now, UTIME_OMIT leaves the time, a timespec keeps its fraction of a ms', async () => {
  const fs = new MemoryDriveFs({ now: () => 1_000 })
  const ops = createFuseOps(fs, { owner, log: () => {}, now: () => 99_000 }) as Required<FuseOperations>
  await fs.release(await fs.create('/f', 0o644))
  const times = async () => {
    const a = await fs.getattr('/f')
    return [a.atimeMs, a.mtimeMs]
  }
  await once((done) => ops.utimens('/f', 'now', 'now', done))
  assert.deepEqual(await times(), [99_000, 99_000])
  await once((done) =>
    ops.utimens('/f', { sec: 1_600_000_000, nsec: 0 }, { sec: 1_600_000_000, nsec: 500_250_000 }, done),
  )
  assert.deepEqual(await times(), [1_600_000_000_000, 1_600_000_000_500.25])
  await once((done) => ops.utimens('/f', 'omit', { sec: 7, nsec: 0 }, done))
  assert.deepEqual(await times(), [1_600_000_000_000, 7_000])
  await once((done) => ops.utimens('/f', { sec: 8, nsec: 0 }, 'omit', done))
  assert.deepEqual(await times(), [8_000, 7_000])
})

test('statfs: 4 KiB blocks up to 16 TiB, larger blocks beyond so no field overflows a uint32', () => {
  const small = toFuseStatfs({
    totalBytes: 10 * 2 ** 30,
    freeBytes: 4 * 2 ** 30,
    files: 100,
    filesFree: 90,
    nameMax: 255,
  })
  assert.deepEqual(
    [small.bsize, small.frsize, small.blocks, small.bfree, small.bavail],
    [4096, 4096, 2621440, 1048576, 1048576],
  )
  assert.deepEqual([small.files, small.ffree, small.namemax], [100, 90, 255])
  const huge = toFuseStatfs({
    totalBytes: 2 ** 50,
    freeBytes: 2 ** 49,
    files: 2 ** 40,
    filesFree: 2 ** 40,
    nameMax: 255,
  })
  assert.ok(huge.blocks <= 0xffffffff && huge.files <= 0xffffffff)
  assert.equal(huge.blocks * huge.frsize, 2 ** 50)
  assert.equal(huge.bfree * huge.frsize, 2 ** 49)
})

test('open flags: access mode, O_TRUNC and O_APPEND', () => {
  assert.deepEqual(toOpenFlags(constants.O_RDONLY), { write: false, truncate: false, append: false })
  assert.deepEqual(toOpenFlags(constants.O_WRONLY | constants.O_TRUNC), {
    write: true,
    truncate: true,
    append: false,
  })
  assert.deepEqual(toOpenFlags(constants.O_RDWR | constants.O_APPEND | 0o100000), {
    write: true,
    truncate: false,
    append: true,
  })
})
