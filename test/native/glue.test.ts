// fuse-native's C glue as PeerDrive patches and builds it (native/setup.mjs):
// what reaches the JS handlers from real system calls on a real mount.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import { FALLOC_FL_KEEP_SIZE, FuseMount, allowOtherSupport, fuseGlue } from '../../native/fuse.ts'
import { tempDir } from '../helpers.ts'
import { FILE_MODE, GlueOps } from './glue-ops.ts'

const run = promisify(execFile)
const GiB = 2 ** 30
const NOBODY = 65534

/** Mounts a GlueOps (with allow_other, so other users get in) in a temp dir all users can reach. */
async function mountGlue(t: TestContext): Promise<{ fs: GlueOps; mnt: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-glue-'))
  await chmod(dir, 0o755)
  const mnt = join(dir, 'mnt')
  await mkdir(mnt)
  const fs = new GlueOps()
  const mount = await FuseMount.mount(mnt, fs.ops(), { allowOther: true, timeoutMs: 30_000 }).catch(
    async (err: unknown) => {
      await rm(dir, { recursive: true, force: true })
      throw err
    },
  )
  // one hook, in order: the mount must be gone before its mount point is removed
  t.after(async () => {
    await mount.unmount()
    await rm(dir, { recursive: true, force: true })
  })
  return { fs, mnt }
}

/** Runs a Python snippet (argv[1..] = args) in a child: the mount's server is this process. */
async function py(code: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('python3', ['-c', code, ...args])
  return stdout.trim()
}

test('the patched glue is the one loaded', () => {
  assert.equal(fuseGlue(), 'patched', 'run npm install (native/setup.mjs) with libfuse-dev installed')
})

test('utimens gets atime and mtime apart, to the nanosecond, and tells UTIME_NOW from UTIME_OMIT', async (t) => {
  const { fs, mnt } = await mountGlue(t)
  const f = join(mnt, 'f')
  await writeFile(join(mnt, 'f'), '')
  fs.calls.length = 0

  const atimeNs = 1_234_567_890_123_456_789n
  const mtimeNs = 1_500_000_000_987_654_321n
  const stat = await py(
    'import os,sys; os.utime(sys.argv[1], ns=(int(sys.argv[2]), int(sys.argv[3]))); s=os.stat(sys.argv[1]); print(s.st_atime_ns, s.st_mtime_ns)',
    f,
    `${atimeNs}`,
    `${mtimeNs}`,
  )
  assert.deepEqual(fs.callsOf('utimens').at(-1)!.args, [
    { sec: 1_234_567_890, nsec: 123_456_789 },
    { sec: 1_500_000_000, nsec: 987_654_321 },
  ])
  // and getattr reports them back to the nanosecond
  assert.equal(stat, `${atimeNs} ${mtimeNs}`)

  const times = async (): Promise<[bigint, bigint]> => {
    const out = await py('import os,sys; s=os.stat(sys.argv[1]); print(s.st_atime_ns, s.st_mtime_ns)', f)
    return out.split(' ').map(BigInt) as [bigint, bigint]
  }
  await run('touch', ['-a', '-d', '@1234567890.25', f])
  assert.deepEqual(fs.callsOf('utimens').at(-1)!.args, [{ sec: 1234567890, nsec: 250_000_000 }, 'omit'])
  assert.deepEqual(await times(), [1_234_567_890_250_000_000n, mtimeNs])
  await run('touch', ['-m', '-d', '@1700000000', f])
  assert.deepEqual(fs.callsOf('utimens').at(-1)!.args, ['omit', { sec: 1700000000, nsec: 0 }])
  assert.deepEqual(await times(), [1_234_567_890_250_000_000n, 1_700_000_000_000_000_000n])
  await run('touch', ['-a', f])
  assert.deepEqual(fs.callsOf('utimens').at(-1)!.args, ['now', 'omit'])
  const [nowA, keptM] = await times()
  assert.ok(nowA > 1_700_000_000_000_000_000n)
  assert.equal(keptM, 1_700_000_000_000_000_000n)
  await run('touch', [f])
  assert.deepEqual(fs.callsOf('utimens').at(-1)!.args, ['now', 'now'])
  const [a, m] = await times()
  assert.ok(a >= nowA && m > keptM)
})

test('fallocate reaches the handler with its mode, 64-bit offset and length, and fd', async (t) => {
  const { fs, mnt } = await mountGlue(t)
  const f = join(mnt, 'f')
  await writeFile(f, '')

  const size = await py(
    'import os,sys; fd=os.open(sys.argv[1], os.O_RDWR); os.posix_fallocate(fd, 4096, 1 << 20); print(os.fstat(fd).st_size); os.close(fd)',
    f,
  )
  assert.equal(size, `${4096 + (1 << 20)}`)
  const [posix] = fs.callsOf('fallocate')
  const opened = fs.callsOf('open').at(-1)!
  assert.deepEqual(posix!.args, [0, 4096, 1 << 20, opened.args[1]])

  await run('fallocate', ['-l', '3M', f])
  assert.deepEqual(fs.callsOf('fallocate').at(-1)!.args.slice(0, 3), [0, 0, 3 << 20])
  await run('fallocate', ['-n', '-o', '5G', '-l', '1M', f])
  assert.deepEqual(fs.callsOf('fallocate').at(-1)!.args.slice(0, 3), [FALLOC_FL_KEEP_SIZE, 5 * GiB, 1 << 20])
  assert.equal(fs.entries.get('/f')!.size, 3 << 20, 'KEEP_SIZE kept the size')

  // the handler refuses other modes; the program sees it
  await assert.rejects(run('fallocate', ['-p', '-o', '0', '-l', '4096', f]), /unsupported|not supported/)
  assert.equal(fs.callsOf('fallocate').at(-1)!.args[0], 0x02 | FALLOC_FL_KEEP_SIZE)
})

test('callerOf() names the uid, gid and pid of the process making the request', async (t) => {
  assert.ok(allowOtherSupport().permitted, 'these tests run as root')
  const { fs, mnt } = await mountGlue(t)

  const child = spawn('touch', [join(mnt, 'theirs')], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  assert.equal(code, 0)
  const [create] = fs.callsOf('create')
  assert.deepEqual(create!.caller, { uid: NOBODY, gid: NOBODY, pid: child.pid })
  const owner = await py(
    'import os,sys; s=os.stat(sys.argv[1]); print(s.st_uid, s.st_gid)',
    join(mnt, 'theirs'),
  )
  assert.equal(owner, `${NOBODY} ${NOBODY}`)

  const mine = spawn('mkfifo', [join(mnt, 'mine')], { stdio: 'ignore' })
  assert.equal(await new Promise((resolve) => mine.on('exit', resolve)), 0)
  assert.deepEqual(fs.callsOf('mknod')[0]!.caller, { uid: 0, gid: 0, pid: mine.pid })
})

test('callerOf() stays right when several users make requests at once', async (t) => {
  const { fs, mnt } = await mountGlue(t)
  const users = [NOBODY, 65533, 0]
  const shells = users.map((uid) =>
    spawn('sh', ['-c', `for i in $(seq 100); do : > "$0/u${uid}-$i"; done`, mnt], {
      uid,
      gid: uid,
      stdio: 'ignore',
    }),
  )
  const codes = await Promise.all(shells.map((c) => new Promise((resolve) => c.on('exit', resolve))))
  assert.deepEqual(codes, [0, 0, 0])
  const creates = fs.callsOf('create')
  assert.equal(creates.length, 300)
  for (const c of creates) {
    const uid = Number(/^\/u(\d+)-/.exec(c.path)![1])
    const shell = shells[users.indexOf(uid)]!
    assert.deepEqual(c.caller, { uid, gid: uid, pid: shell.pid }, c.path)
  }
})

test('offsets and sizes past 2 and 4 GiB reach JS exactly', async (t) => {
  const { fs, mnt } = await mountGlue(t)
  const f = join(mnt, 'big')
  await run('truncate', ['-s', '5G', f])
  assert.equal(fs.callsOf('ftruncate').at(-1)!.args[1], 5 * GiB)
  await py('import os,sys; os.truncate(sys.argv[1], (1 << 32) + (1 << 31) + 3)', f)
  assert.equal(fs.callsOf('truncate').at(-1)!.args[0], 2 ** 32 + 2 ** 31 + 3)

  await py(
    'import os,sys; fd=os.open(sys.argv[1], os.O_RDWR); os.pwrite(fd, b"x" * 5, (1 << 31) + 1); os.pwrite(fd, b"y" * 7, (1 << 32) + 7); os.ftruncate(fd, (1 << 33) + 1); os.pread(fd, 10, (1 << 32) + 7); os.close(fd)',
    f,
  )
  const writes = fs.callsOf('write').map((c) => [c.args[1], c.args[2]])
  assert.deepEqual(writes, [
    [5, 2 ** 31 + 1],
    [7, 2 ** 32 + 7],
  ])
  assert.equal(fs.callsOf('ftruncate').at(-1)!.args[1], 2 ** 33 + 1)
  // the kernel reads whole pages: the page holding 4 GiB + 7
  assert.ok(
    fs.callsOf('read').some((c) => c.args[2] === 2 ** 32),
    JSON.stringify(fs.callsOf('read').map((c) => c.args)),
  )
  const size = await py('import os,sys; print(os.stat(sys.argv[1]).st_size)', f)
  assert.equal(size, `${2 ** 33 + 1}`)
})

test('mknod passes type bits and device numbers intact; link passes the existing file first', async (t) => {
  const { fs, mnt } = await mountGlue(t)
  const out = await py(
    `import os,sys,socket,stat
os.umask(0)
d=sys.argv[1]
os.mkfifo(d+'/fifo', 0o640)
s=socket.socket(socket.AF_UNIX); s.bind(d+'/sock'); s.close()
os.mknod(d+'/reg', stat.S_IFREG | 0o600)
os.mknod(d+'/null', stat.S_IFCHR | 0o644, os.makedev(1, 3))
os.mknod(d+'/disk', stat.S_IFBLK | 0o600, os.makedev(259, 300))
r=os.stat(d+'/disk').st_rdev
print(os.major(r), os.minor(r), oct(os.stat(d+'/fifo').st_mode))`,
    mnt,
  )
  assert.equal(out, '259 300 0o10640')
  const mknods = Object.fromEntries(fs.callsOf('mknod').map((c) => [c.path, c.args]))
  assert.deepEqual(mknods, {
    '/fifo': [0o010640, 0],
    '/sock': [0o140777, 0],
    '/null': [0o020644, (1 << 8) | 3],
    '/disk': [0o060600, (300 & 0xff) | (259 << 8) | ((300 & ~0xff) << 12)],
  })
  // libfuse 2 makes a regular mknod a create (then release) when create is implemented
  assert.deepEqual(fs.callsOf('create').at(-1)!.args, [FILE_MODE | 0o600])
  assert.equal(fs.callsOf('create').at(-1)!.path, '/reg')

  await writeFile(join(mnt, 'orig'), '')
  await run('ln', [join(mnt, 'orig'), join(mnt, 'alias')])
  const [link] = fs.callsOf('link')
  assert.deepEqual([link!.path, link!.args[0]], ['/orig', '/alias'])
})

test('allow_other: root may; others only with user_allow_other in fuse.conf', async (t) => {
  const dir = await tempDir(t)
  assert.deepEqual(allowOtherSupport({ uid: 0, fuseConf: join(dir, 'none') }), { permitted: true })
  const refused = allowOtherSupport({ uid: 1000, fuseConf: join(dir, 'none') })
  assert.ok(!refused.permitted)
  assert.equal(
    refused.reason,
    `only you can use the drive: other users need user_allow_other in ${join(dir, 'none')} (allow_other)`,
  )
  const conf = join(dir, 'fuse.conf')
  await writeFile(conf, '# Allow non-root users to specify allow_other\n#user_allow_other\nmount_max = 10\n')
  assert.equal(allowOtherSupport({ uid: 1000, fuseConf: conf }).permitted, false)
  await writeFile(conf, 'mount_max = 10\n  user_allow_other  # needed by peerdrive\n')
  assert.deepEqual(allowOtherSupport({ uid: 1000, fuseConf: conf }), { permitted: true })
})
