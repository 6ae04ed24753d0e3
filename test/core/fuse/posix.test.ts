// POSIX semantics ordinary programs rely on, on a real mount of a real Drive
// mounted as a node mounts it, each compared with the same calls on a plain
// directory on the machine's disk. Calls that are about other users run as
// uid/gid 65534 (nobody). The calls run in a python3 child (fixtures/probe.py):
// a synchronous caller in this process would block the FUSE server.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import { MemoryChunkStore } from '../../../main/core/chunk-store.ts'
import type { DriveOptions } from '../../../main/core/drive/index.ts'
import { MiB, mountRealDrive } from './support.ts'

const run = promisify(execFile)
const probeScript = new URL('./fixtures/probe.py', import.meta.url).pathname
const NOBODY = 65534
/** Running calls as another user, and mounting a small tmpfs, need root (the tests run as root). */
const notRoot = process.getuid?.() !== 0 && 'needs root'

type Found = Record<string, unknown>

/** Runs `code` (python, see fixtures/probe.py) against `dir`, as root or as nobody. */
async function probe(dir: string, code: string, as: 'root' | 'nobody' = 'root'): Promise<Found> {
  const ids = as === 'nobody' ? { uid: NOBODY, gid: NOBODY } : {}
  try {
    const { stdout } = await run('python3', [probeScript, dir, code], { ...ids, maxBuffer: 4 * MiB })
    return JSON.parse(stdout.trim().split('\n').pop()!) as Found
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`probe as ${as} in ${dir} failed: ${e.stderr || e.message}`, { cause: err })
  }
}

interface World {
  /** The mount of a real drive. */
  drive: string
  /** A plain directory on the machine's disk. */
  disk: string
  logs: string[]
}

/** A mounted drive and a plain directory, both reachable by other users. */
async function world(t: TestContext, drive: Partial<DriveOptions> = {}): Promise<World> {
  const m = await mountRealDrive(t, drive)
  const disk = join(m.scratch, 'disk')
  await mkdir(disk)
  await chmod(m.scratch, 0o755)
  await chmod(disk, 0o755)
  return { drive: m.mnt, disk, logs: m.logs }
}

/** Runs `code` in both places; returns what each found. */
async function both(
  w: World,
  code: string,
  as: 'root' | 'nobody' = 'root',
): Promise<{ disk: Found; drive: Found }> {
  return { disk: await probe(w.disk, code, as), drive: await probe(w.drive, code, as) }
}

/** Asserts the drive found what the disk found, naming every difference. */
function sameAsDisk(what: string, { disk, drive }: { disk: Found; drive: Found }): void {
  const keys = [...new Set([...Object.keys(disk), ...Object.keys(drive)])]
  const differences = keys
    .filter((k) => JSON.stringify(disk[k]) !== JSON.stringify(drive[k]))
    .map(
      (k) => `  ${k}: the disk gives ${JSON.stringify(disk[k])}, the drive gave ${JSON.stringify(drive[k])}`,
    )
  assert.equal(differences.length, 0, `${what}:\n${differences.join('\n')}`)
}

// ---- other users, modes, owners ----

test('other users can enter and write a 0777 directory', { skip: notRoot }, async (t) => {
  const w = await world(t)
  await both(w, `os.mkdir(p('shared')); os.chmod(p('shared'), 0o777)`)
  const found = await both(
    w,
    `
out['list'] = err(os.listdir, p('shared'))
out['create'] = err(write_file, p('shared', 'mine'), b'by nobody')
out['read back'] = read_all(p('shared', 'mine')).decode() if out['create'] == 'ok' else None
out['mkdir'] = err(os.mkdir, p('shared', 'sub'))
`,
    'nobody',
  )
  sameAsDisk('uid 65534 in a 0777 directory of root', found)
  assert.equal(found.drive.create, 'ok')
})

test(
  'mode bits are enforced for other uids',
  {
    skip: notRoot,
  },
  async (t) => {
    const w = await world(t)
    await both(
      w,
      `
write_file(p('secret'), b'top', 0o600); os.chmod(p('secret'), 0o600)
write_file(p('public'), b'open', 0o644); os.chmod(p('public'), 0o644)
os.mkdir(p('private')); os.chmod(p('private'), 0o700); write_file(p('private', 'f'), b'x')
os.mkdir(p('open')); os.chmod(p('open'), 0o755)
`,
    )
    const found = await both(
      w,
      `
out['read 0600 of root'] = err(read_all, p('secret'))
out['read 0644 of root'] = err(read_all, p('public'))
out['write 0644 of root'] = err(os.open, p('public'), os.O_WRONLY)
out['list 0700 dir of root'] = err(os.listdir, p('private'))
out['stat in 0700 dir of root'] = err(os.stat, p('private', 'f'))
out['create in 0755 dir of root'] = err(write_file, p('open', 'x'), b'x')
out['chmod a file of root'] = err(os.chmod, p('public'), 0o666)
`,
      'nobody',
    )
    sameAsDisk('uid 65534 against the modes of root files', found)
    // root, as on a disk, passes every mode check
    sameAsDisk('root reading a 0600 file', await both(w, `out['read 0600'] = read_all(p('secret')).decode()`))
  },
)

test('chown by root changes uid and gid as stat shows', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('f'), b'x')
os.chown(p('f'), 1234, 5678)
s = os.stat(p('f')); out['after chown 1234:5678'] = [s.st_uid, s.st_gid]
os.chown(p('f'), -1, 42)
s = os.stat(p('f')); out['after chown -1:42'] = [s.st_uid, s.st_gid]
os.mkdir(p('d')); os.chown(p('d'), 7, 8)
s = os.stat(p('d')); out['directory after chown 7:8'] = [s.st_uid, s.st_gid]
os.symlink('f', p('l')); os.lchown(p('l'), 9, 10)
s = os.lstat(p('l')); out['symlink after lchown 9:10'] = [s.st_uid, s.st_gid]
`,
  )
  sameAsDisk('chown as root', found)
})

test('files created by uid 65534 belong to it', { skip: notRoot }, async (t) => {
  const w = await world(t)
  await both(w, `os.mkdir(p('shared')); os.chmod(p('shared'), 0o777)`)
  const found = await both(
    w,
    `
def owner(path):
    s = os.lstat(path)
    return [s.st_uid, s.st_gid]
for name, make in [('file', lambda q: write_file(q, b'x')), ('dir', os.mkdir), ('symlink', lambda q: os.symlink('file', q))]:
    r = err(make, p('shared', name))
    out[name] = owner(p('shared', name)) if r == 'ok' else r
`,
    'nobody',
  )
  sameAsDisk('entries made by uid 65534', found)
  // root sees the same owners
  sameAsDisk(
    'owners as root sees them',
    await both(
      w,
      `out['owners'] = [list(os.lstat(p('shared', n))[4:6]) for n in ('file', 'dir', 'symlink')]`,
    ),
  )
})

// ---- special files and links ----

test('mkfifo makes a fifo that carries data', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
out['mkfifo'] = err(os.mkfifo, p('fifo'), 0o644)
if out['mkfifo'] == 'ok':
    out['is fifo'] = stat.S_ISFIFO(os.stat(p('fifo')).st_mode)
    r = os.open(p('fifo'), os.O_RDONLY | os.O_NONBLOCK)
    wr = os.open(p('fifo'), os.O_WRONLY | os.O_NONBLOCK)
    os.write(wr, b'through the pipe')
    out['read'] = os.read(r, 100).decode()
    os.close(wr); os.close(r)
    out['listed'] = 'fifo' in os.listdir(D)
`,
  )
  sameAsDisk('mkfifo', found)
})

test('mknod makes regular files and fifos', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
out['mknod S_IFREG'] = err(os.mknod, p('reg'), stat.S_IFREG | 0o640)
if out['mknod S_IFREG'] == 'ok':
    s = os.stat(p('reg'))
    out['regular'] = [stat.S_ISREG(s.st_mode), stat.S_IMODE(s.st_mode), s.st_size]
    write_file(p('reg'), b'content')
    out['content'] = read_all(p('reg')).decode()
out['mknod S_IFIFO'] = err(os.mknod, p('fifo'), stat.S_IFIFO | 0o600)
if out['mknod S_IFIFO'] == 'ok':
    s = os.stat(p('fifo'))
    out['fifo'] = [stat.S_ISFIFO(s.st_mode), stat.S_IMODE(s.st_mode)]
`,
  )
  sameAsDisk('mknod', found)
})

test('a unix socket can be bound in the drive and connected to', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
out['bind'] = err(server.bind, p('sock'))
if out['bind'] == 'ok':
    out['is socket'] = stat.S_ISSOCK(os.stat(p('sock')).st_mode)
    server.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(p('sock'))
    conn, _ = server.accept()
    client.sendall(b'hello over the socket')
    out['received'] = conn.recv(100).decode()
    conn.close(); client.close()
    os.unlink(p('sock'))
    out['gone after unlink'] = not os.path.exists(p('sock'))
server.close()
`,
  )
  sameAsDisk('unix socket', found)
})

test('hard links share content and inode; unlinking one keeps the other', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('a'), b'shared content')
out['link'] = err(os.link, p('a'), p('b'))
if out['link'] == 'ok':
    a, b = os.stat(p('a')), os.stat(p('b'))
    out['same inode'] = a.st_ino == b.st_ino
    out['nlink'] = [a.st_nlink, b.st_nlink]
    with open(p('b'), 'r+b') as f:
        f.write(b'SHARED')
    out['a after writing b'] = read_all(p('a')).decode()
    os.unlink(p('a'))
    out['b after unlinking a'] = read_all(p('b')).decode()
    out['nlink after unlink'] = os.stat(p('b')).st_nlink
    out['listing'] = sorted(os.listdir(D))
`,
  )
  sameAsDisk('hard links', found)
})

test("a directory's link count is 2 + its subdirectories", async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
os.mkdir(p('d'))
out['empty'] = os.stat(p('d')).st_nlink
os.mkdir(p('d', 'x')); os.mkdir(p('d', 'y')); write_file(p('d', 'file'), b'')
out['two subdirectories and a file'] = os.stat(p('d')).st_nlink
os.rmdir(p('d', 'x'))
out['one subdirectory left'] = os.stat(p('d')).st_nlink
os.mkdir(p('e')); os.rename(p('d', 'y'), p('e', 'y'))
out['after moving it out'] = [os.stat(p('d')).st_nlink, os.stat(p('e')).st_nlink]
`,
  )
  sameAsDisk('directory link counts', found)
})

// ---- timestamps ----

test('utimensat with distinct atime and mtime keeps both', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('f'), b'x')
utimensat(p('f'), (1_000_000_000, 250_000_000), (1_500_000_000, 750_000_000))
s = os.stat(p('f'))
out['atime, mtime (ns)'] = [s.st_atime_ns, s.st_mtime_ns]
os.utime(p('f'), (1_100_000_000, 1_200_000_000))
s = os.stat(p('f'))
out['after utime(2)'] = [s.st_atime_ns, s.st_mtime_ns]
`,
  )
  sameAsDisk('utimensat', found)
})

test('UTIME_OMIT leaves that time alone', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('f'), b'x')
utimensat(p('f'), (1_000_000_000, 0), (1_500_000_000, 0))
utimensat(p('f'), UTIME_OMIT, (1_600_000_000, 0))
s = os.stat(p('f')); out['atime omitted'] = [s.st_atime_ns, s.st_mtime_ns]
utimensat(p('f'), (1_700_000_000, 0), UTIME_OMIT)
s = os.stat(p('f')); out['mtime omitted'] = [s.st_atime_ns, s.st_mtime_ns]
`,
  )
  sameAsDisk('UTIME_OMIT', found)
})

test('UTIME_NOW sets the current time', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('f'), b'x')
utimensat(p('f'), (1_000_000_000, 0), (1_500_000_000, 0))
before = time.time_ns() - 1_000_000_000  # the disk stamps with a coarse clock
utimensat(p('f'), UTIME_NOW, UTIME_NOW)
after = time.time_ns() + 1_000_000_000
s = os.stat(p('f'))
out['atime is now'] = before <= s.st_atime_ns <= after
out['mtime is now'] = before <= s.st_mtime_ns <= after
`,
  )
  sameAsDisk('UTIME_NOW', found)
})

test('UTIME_NOW for one time and UTIME_OMIT for the other', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('f'), b'x')
utimensat(p('f'), (1_000_000_000, 0), (1_500_000_000, 0))
before = time.time_ns() - 1_000_000_000
utimensat(p('f'), UTIME_NOW, UTIME_OMIT)
s = os.stat(p('f'))
out['atime is now'] = before <= s.st_atime_ns
out['mtime kept'] = s.st_mtime_ns
`,
  )
  sameAsDisk('UTIME_NOW with UTIME_OMIT', found)
})

test('ftruncate updates ctime and mtime', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('f'), b'hello world')
os.utime(p('f'), ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
stamped = os.stat(p('f')).st_ctime_ns
while time.time_ns() < stamped + 50_000_000:  # until the clock has moved past that ctime
    time.sleep(0.01)
fd = os.open(p('f'), os.O_RDWR)
os.ftruncate(fd, 5)
s = os.fstat(fd)
os.close(fd)
s2 = os.stat(p('f'))
out['mtime updated'] = s.st_mtime_ns > 1_000_000_000_000_000_000
out['ctime updated'] = s.st_ctime_ns > stamped
out['after close: mtime, ctime updated'] = [s2.st_mtime_ns > 1_000_000_000_000_000_000, s2.st_ctime_ns > stamped]
out['size'] = s2.st_size
`,
  )
  sameAsDisk('ftruncate', found)
})

// ---- names ----

test('a name over 255 bytes gives ENAMETOOLONG', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
long = p('n' * 256)
write_file(p('short'), b'x'); os.mkdir(p('dir'))
out['stat'] = err(os.stat, long)
out['lstat'] = err(os.lstat, long)
out['chmod'] = err(os.chmod, long, 0o600)
out['unlink'] = err(os.unlink, long)
out['rename from'] = err(os.rename, long, p('x'))
out['rename to'] = err(os.rename, p('short'), long)
out['rmdir'] = err(os.rmdir, long)
out['open'] = err(os.open, long, os.O_RDONLY)
out['open O_CREAT'] = err(os.open, long, os.O_WRONLY | os.O_CREAT, 0o644)
out['mkdir'] = err(os.mkdir, long)
out['inside a directory'] = err(os.stat, p('dir', 'é' * 128))
out['255 bytes are fine'] = err(write_file, p('n' * 255), b'x')
`,
  )
  sameAsDisk('names over NAME_MAX', found)
})

// ---- sizes and space ----

test('sparse files: 2 GiB + 2 by truncate, pwrite at 2 GiB and at 300 GiB on a drive with a small journal', async (t) => {
  const w = await world(t, { journalLimitBytes: 16 * MiB, backpressureMs: 500 })
  const found = await both(
    w,
    `
G = 1 << 30
def holes(path, at):
    with open(path, 'rb') as f:
        f.seek(at)
        return f.read(1 << 20) == bytes(1 << 20)
write_file(p('truncated'), b'')
out['truncate to 2 GiB + 2'] = err(os.truncate, p('truncated'), 2 * G + 2)
out['size after truncate'] = os.stat(p('truncated')).st_size
out['hole reads zeros'] = holes(p('truncated'), G)
with open(p('truncated'), 'rb') as f:
    f.seek(2 * G)
    out['last two bytes'] = list(f.read(10))
for name, at in (('at2g', 2 * G), ('at300g', 300 * G)):
    fd = os.open(p(name), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        out[f'pwrite {name}'] = err(os.pwrite, fd, b'tail', at)
        out[f'size {name}'] = os.fstat(fd).st_size
        out[f'read back {name}'] = os.pread(fd, 4, at).decode(errors='replace')
        out[f'hole {name}'] = os.pread(fd, 1 << 20, at - (1 << 20)) == bytes(1 << 20)
    finally:
        os.close(fd)
    out[f'size {name} after close'] = os.stat(p(name)).st_size
for name in ('truncated', 'at2g', 'at300g'):
    os.unlink(p(name))
`,
  )
  sameAsDisk('sparse files', found)
})

test('fallocate: mode 0 extends the size, KEEP_SIZE keeps it, punching a hole is EOPNOTSUPP', async (t) => {
  const w = await world(t)
  const code = (mode: string) => `
fd = os.open(p('f'), os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b'start')
out['mode 0 to 1 MiB'] = err(fallocate, fd, 0, 0, 1 << 20)
out['size after mode 0'] = os.fstat(fd).st_size
out['allocated range reads zeros'] = os.pread(fd, (1 << 20) - 5, 5) == bytes((1 << 20) - 5)
out['start kept'] = os.pread(fd, 5, 0).decode()
out['mode 0 inside the file'] = err(fallocate, fd, 0, 4096, 8192)
out['size after mode 0 inside'] = os.fstat(fd).st_size
out['KEEP_SIZE to 4 MiB'] = err(fallocate, fd, FALLOC_FL_KEEP_SIZE, 0, 4 << 20)
out['size after KEEP_SIZE'] = os.fstat(fd).st_size
out['other mode'] = err(fallocate, fd, ${mode}, 0, 4096)
out['start after other mode'] = os.pread(fd, 5, 0).decode()
os.close(fd)
out['size after close'] = os.stat(p('f')).st_size
`
  const found = await both(w, code('FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE'))
  // The drive implements modes 0 and KEEP_SIZE only: a disk punches the hole.
  assert.equal(found.disk['other mode'], 'ok')
  assert.equal(
    found.drive['other mode'],
    'EOPNOTSUPP',
    `punching a hole: the disk punches it, the drive must answer EOPNOTSUPP; it gave ${String(found.drive['other mode'])}`,
  )
  found.disk['other mode'] = 'EOPNOTSUPP'
  found.disk['start after other mode'] = 'start'
  sameAsDisk('fallocate', found)
  const zero = await probe(w.drive, code('FALLOC_FL_ZERO_RANGE'))
  assert.equal(
    zero['other mode'],
    'EOPNOTSUPP',
    `FALLOC_FL_ZERO_RANGE: the drive gave ${String(zero['other mode'])}`,
  )
})

test('a full journal reaches programs as ENOSPC, not EIO', async (t) => {
  // Uploads hang until the test ends, so nothing drains the 4 MiB journal.
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  t.after(() => release())
  const store = new MemoryChunkStore()
  const chunks = {
    get: store.get.bind(store),
    put: async (...args: Parameters<MemoryChunkStore['put']>) => {
      await released
      return store.put(...args)
    },
  }
  const w = await world(t, { journalLimitBytes: 4 * MiB, backpressureMs: 300, chunks })
  const found = await probe(
    w.drive,
    `
out['first file (3 MiB)'] = err(write_file, p('a'), bytes(3 << 20))
def fill():
    with open(p('b'), 'wb') as f:
        for _ in range(8):
            f.write(bytes(1 << 20))
            f.flush()
out['second file (8 MiB)'] = err(fill)
`,
  )
  assert.equal(found['first file (3 MiB)'], 'ok')
  assert.equal(
    found['second file (8 MiB)'],
    'ENOSPC',
    `a write past the journal's limit: a full disk gives ENOSPC, the drive gave ${String(found['second file (8 MiB)'])}`,
  )
})

test('a full disk under the journal reaches programs as ENOSPC, not EIO', { skip: notRoot }, async (t) => {
  // The drive's local state on a 4 MiB tmpfs: a real full disk.
  const small = await mkdtemp(join(tmpdir(), 'peerdrive-small-'))
  await run('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'peerdrive-test', small])
  let w: World
  try {
    w = await world(t, { dir: join(small, 'drive') })
  } catch (err) {
    await run('umount', [small])
    await rm(small, { recursive: true, force: true })
    throw err
  }
  // after the drive's own hooks (they run in the order they were added)
  t.after(async () => {
    await run('umount', ['-l', small])
    await rm(small, { recursive: true, force: true })
  })
  const fill = `
def fill():
    with open(p('big'), 'wb') as f:
        for _ in range(8):
            f.write(bytes(1 << 20))
            f.flush()
out['writing 8 MiB'] = err(fill)
`
  const onDisk = await probe(small, fill)
  await probe(small, `os.unlink(p('big'))`)
  const onDrive = await probe(w.drive, fill)
  assert.equal(onDisk['writing 8 MiB'], 'ENOSPC')
  assert.equal(
    onDrive['writing 8 MiB'],
    'ENOSPC',
    `writing 8 MiB: the full disk gives ENOSPC, the drive on it gave ${String(onDrive['writing 8 MiB'])}`,
  )
})

// ---- renames, removals ----

test('rename over an existing file replaces it', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('a'), b'new'); write_file(p('b'), b'old content')
ino = os.stat(p('a')).st_ino
out['rename'] = err(os.rename, p('a'), p('b'))
out['b'] = read_all(p('b')).decode()
out['a exists'] = os.path.exists(p('a'))
out['same inode'] = os.stat(p('b')).st_ino == ino
out['listing'] = sorted(os.listdir(D))
`,
  )
  sameAsDisk('rename over a file', found)
})

test('rename of a directory moves its tree', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
os.makedirs(p('d', 'sub')); write_file(p('d', 'sub', 'f'), b'deep')
os.mkdir(p('empty')); os.makedirs(p('full', 'x'))
out['rename'] = err(os.rename, p('d'), p('e'))
out['moved content'] = read_all(p('e', 'sub', 'f')).decode()
out['old name exists'] = os.path.exists(p('d'))
out['over an empty directory'] = err(os.rename, p('e'), p('empty'))
out['content there'] = read_all(p('empty', 'sub', 'f')).decode()
out['over a non-empty directory'] = err(os.rename, p('empty'), p('full'))
out['into itself'] = err(os.rename, p('empty'), p('empty', 'sub', 'inner'))
out['listing'] = sorted(os.listdir(D))
`,
  )
  sameAsDisk('rename of a directory', found)
})

test('rmdir of a non-empty directory is ENOTEMPTY', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
os.makedirs(p('d', 'sub')); write_file(p('e'), b'')
os.mkdir(p('f')); write_file(p('f', 'x'), b'')
out['with a subdirectory'] = err(os.rmdir, p('d'))
out['with a file'] = err(os.rmdir, p('f'))
out['a file'] = err(os.rmdir, p('e'))
os.unlink(p('f', 'x'))
out['once emptied'] = err(os.rmdir, p('f'))
`,
  )
  sameAsDisk('rmdir', found)
})

test('unlink of an open file keeps it readable and writable until closed', async (t) => {
  const w = await world(t)
  const found = await both(
    w,
    `
write_file(p('f'), b'still here')
fd = os.open(p('f'), os.O_RDWR)
os.unlink(p('f'))
out['exists after unlink'] = os.path.exists(p('f'))
out['read through the descriptor'] = os.pread(fd, 100, 0).decode()
os.pwrite(fd, b'STILL', 0)
out['after a write'] = os.pread(fd, 100, 0).decode()
os.close(fd)
out['visible names'] = [n for n in os.listdir(D) if not n.startswith('.fuse_hidden')]
`,
  )
  sameAsDisk('unlink of an open file', found)
})
