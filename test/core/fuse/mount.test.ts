// A real FUSE mount of the in-memory twin, used the way programs use a disk:
// Node's fs/promises and the shell's tools.
import assert from 'node:assert/strict'
import { constants } from 'node:fs'
import {
  appendFile,
  chmod,
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  statfs,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { MiB, eventually, mountTwin, sh } from './support.ts'

test('files and directories through Node: write, read, list, rename, remove', async (t) => {
  const { mnt, fs } = await mountTwin(t)
  await mkdir(join(mnt, 'docs/notes'), { recursive: true })
  await writeFile(join(mnt, 'docs/notes/a.txt'), 'first')
  assert.equal(await readFile(join(mnt, 'docs/notes/a.txt'), 'utf8'), 'first')
  assert.deepEqual(await readdir(join(mnt, 'docs')), ['notes'])
  await rename(join(mnt, 'docs/notes/a.txt'), join(mnt, 'docs/b.txt'))
  assert.deepEqual((await readdir(join(mnt, 'docs'))).sort(), ['b.txt', 'notes'])
  assert.equal(await readFile(join(mnt, 'docs/b.txt'), 'utf8'), 'first')
  await rm(join(mnt, 'docs'), { recursive: true })
  assert.deepEqual(await readdir(mnt), [])
  assert.deepEqual(await fs.readdir('/'), [], 'the drive saw it all')
  await eventually(() => fs.openHandles === 0, 'every handle the kernel opened is released')
})

test('stat: type, permission bits, owner, size, blocks, inode numbers from the drive', async (t) => {
  const { mnt, fs } = await mountTwin(t)
  await writeFile(join(mnt, 'f'), Buffer.alloc(5000), { mode: 0o640 })
  await mkdir(join(mnt, 'd'), { mode: 0o750 })
  const f = await stat(join(mnt, 'f'))
  assert.ok(f.isFile())
  assert.equal(f.mode & 0o777, 0o640)
  assert.equal(f.uid, process.getuid!())
  assert.equal(f.gid, process.getgid!())
  assert.equal(f.size, 5000)
  assert.equal(f.blocks, 10)
  assert.equal(f.nlink, 1)
  assert.equal(f.ino, (await fs.getattr('/f')).ino)
  const d = await stat(join(mnt, 'd'))
  assert.ok(d.isDirectory())
  assert.equal(d.mode & 0o777, 0o750)
  assert.equal(d.nlink, 2)
  await chmod(join(mnt, 'f'), 0o600)
  assert.equal((await fs.getattr('/f')).mode, 0o600)
})

test('append, truncate up and down, and rename over an existing file', async (t) => {
  const { mnt } = await mountTwin(t)
  const f = join(mnt, 'log')
  await writeFile(f, 'one\n')
  await appendFile(f, 'two\n')
  await sh(mnt, 'echo three >> log')
  assert.equal(await readFile(f, 'utf8'), 'one\ntwo\nthree\n')

  await truncate(f, 20)
  const grown = await readFile(f)
  assert.equal(grown.length, 20)
  assert.equal(grown.subarray(0, 14).toString(), 'one\ntwo\nthree\n')
  assert.ok(
    grown.subarray(14).every((b) => b === 0),
    'truncate up reads back zeros',
  )
  await truncate(f, 3)
  assert.equal(await readFile(f, 'utf8'), 'one')
  const handle = await open(f, 'r+')
  await handle.truncate(1)
  await handle.close()
  assert.equal(await readFile(f, 'utf8'), 'o')

  await writeFile(join(mnt, 'new'), 'replacement')
  await rename(join(mnt, 'new'), f)
  assert.equal(await readFile(f, 'utf8'), 'replacement')
  assert.deepEqual(await readdir(mnt), ['log'])
})

test('an open file keeps working after it is renamed or removed', async (t) => {
  const { mnt, fs } = await mountTwin(t)
  await writeFile(join(mnt, 'f'), 'kept')
  const handle = await open(join(mnt, 'f'), 'r+')
  await rename(join(mnt, 'f'), join(mnt, 'g'))
  await handle.write('KE', 0, 'utf8')
  assert.equal(await readFile(join(mnt, 'g'), 'utf8'), 'KEpt')
  await rm(join(mnt, 'g'))
  const { bytesRead, buffer } = await handle.read(Buffer.alloc(10), 0, 10, 0)
  assert.equal(buffer.subarray(0, bytesRead).toString(), 'KEpt')
  // libfuse keeps a removed open file as .fuse_hidden* until its last close
  assert.match((await readdir(mnt)).join(), /^\.fuse_hidden/)
  await handle.close()
  await eventually(async () => (await readdir(mnt)).length === 0, 'the hidden file goes')
  assert.equal(fs.usedBytes, 0)
})

test('symlinks: create, read, follow, list, remove', async (t) => {
  const { mnt } = await mountTwin(t)
  await mkdir(join(mnt, 'dir'))
  await writeFile(join(mnt, 'dir/target.txt'), 'through the link')
  await symlink('dir/target.txt', join(mnt, 'link'))
  await sh(mnt, 'ln -s dir dirlink')
  assert.equal(await readlink(join(mnt, 'link')), 'dir/target.txt')
  assert.ok((await lstat(join(mnt, 'link'))).isSymbolicLink())
  assert.equal((await lstat(join(mnt, 'link'))).size, 'dir/target.txt'.length)
  assert.equal(await readFile(join(mnt, 'link'), 'utf8'), 'through the link')
  assert.equal(await sh(mnt, 'cat dirlink/target.txt'), 'through the link')
  assert.equal((await sh(mnt, 'readlink dirlink')).trim(), 'dir')
  await rm(join(mnt, 'link'))
  assert.ok((await stat(join(mnt, 'dir/target.txt'))).isFile(), 'removing a link leaves its target')
  await symlink('nowhere', join(mnt, 'dangling'))
  assert.equal(await readlink(join(mnt, 'dangling')), 'nowhere')
})

test('shell tools: cp, cat, ls, mv, rm -r, dd, touch, chown', async (t) => {
  const { mnt } = await mountTwin(t)
  await sh(mnt, 'printf "hello\\n" > a && cp a b && mkdir -p x/y && mv b x/y/c && cat x/y/c > out')
  assert.equal(await readFile(join(mnt, 'out'), 'utf8'), 'hello\n')
  assert.equal(await sh(mnt, 'ls -a x/y'), '.\n..\nc\n')
  assert.match(await sh(mnt, 'ls -l a'), /^-rw-r--r-- 1 \S+ \S+ 6 /)
  await sh(mnt, 'dd if=/dev/zero of=zeros bs=1k count=300 status=none')
  assert.equal((await stat(join(mnt, 'zeros'))).size, 300 * 1024)
  await sh(mnt, "touch -d '2020-02-03 04:05:06 UTC' a")
  assert.equal((await stat(join(mnt, 'a'))).mtime.toISOString(), '2020-02-03T04:05:06.000Z')
  await sh(mnt, 'touch fresh && test -f fresh')
  await sh(mnt, 'chown "$(id -u):$(id -g)" a && cp -rp x x2')
  assert.equal(await readFile(join(mnt, 'x2/y/c'), 'utf8'), 'hello\n')
  await sh(mnt, 'rm -r x x2 && test ! -e x')
  assert.deepEqual((await readdir(mnt)).sort(), ['a', 'fresh', 'out', 'zeros'])
})

test('utimes with equal times sets both (fuse-native 2.2.6 passes the access time for both)', async (t) => {
  const { mnt } = await mountTwin(t)
  await writeFile(join(mnt, 'f'), '')
  const when = new Date('2021-06-07T08:09:10.000Z')
  await utimes(join(mnt, 'f'), when, when)
  const s = await stat(join(mnt, 'f'))
  assert.equal(s.mtime.toISOString(), when.toISOString())
  assert.equal(s.atime.toISOString(), when.toISOString())
})

test('df and statfs show the drive capacity and what is used', async (t) => {
  const capacityBytes = 512 * MiB
  const { mnt } = await mountTwin(t, { capacityBytes })
  await writeFile(join(mnt, 'f'), Buffer.alloc(8 * MiB))
  const s = await statfs(mnt)
  assert.equal(s.bsize, 4096)
  assert.equal(s.blocks * s.bsize, capacityBytes)
  assert.equal(s.bavail * s.bsize, capacityBytes - 8 * MiB)
  const [header, row] = (await sh(mnt, 'df -B1 --output=source,fstype,size,used,avail .')).trim().split('\n')
  assert.match(header!, /Filesystem\s+Type\s+1B-blocks\s+Used\s+Avail/)
  assert.deepEqual(row!.trim().split(/\s+/), [
    'peerdrive',
    'fuse.peerdrive',
    String(capacityBytes),
    String(8 * MiB),
    String(capacityBytes - 8 * MiB),
  ])
})

test('directory listings carry entry types, so tools need no extra stat', async (t) => {
  const { mnt } = await mountTwin(t)
  await mkdir(join(mnt, 'd'))
  await writeFile(join(mnt, 'f'), '')
  await symlink('f', join(mnt, 'l'))
  const types = Object.fromEntries(
    (await readdir(mnt, { withFileTypes: true })).map((e) => [
      e.name,
      e.isDirectory() ? 'dir' : e.isSymbolicLink() ? 'symlink' : e.isFile() ? 'file' : 'unknown',
    ]),
  )
  assert.deepEqual(types, { d: 'dir', f: 'file', l: 'symlink' })
  assert.equal((await stat(mnt)).mode & constants.S_IFMT, constants.S_IFDIR)
})
