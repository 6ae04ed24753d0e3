// The in-memory twin against POSIX: what the real drive will be held to.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FsErrorCode } from '../../../main/core/drive/fs-types.ts'
import { MemoryDriveFs } from './memory-drive-fs.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

async function rejectsWith(promise: Promise<unknown>, code: FsErrorCode): Promise<void> {
  await assert.rejects(promise, (err: Error & { code?: string }) => {
    assert.equal(err.name, 'FsError')
    assert.equal(err.code, code)
    assert.match(err.message, new RegExp(`^${code}: `))
    return true
  })
}

async function writeFile(fs: MemoryDriveFs, path: string, content: string): Promise<void> {
  const h = await fs.create(path, 0o644)
  await fs.write(h, 0, bytes(content))
  await fs.release(h)
}

async function readAll(fs: MemoryDriveFs, path: string): Promise<string> {
  const h = await fs.open(path, { write: false })
  const data = await fs.read(h, 0, 1 << 20)
  await fs.release(h)
  return text(data)
}

test('lookups fail with ENOENT and ENOTDIR as POSIX does', async () => {
  const fs = new MemoryDriveFs()
  await writeFile(fs, '/f', 'x')
  await rejectsWith(fs.getattr('/missing'), 'ENOENT')
  await rejectsWith(fs.getattr('/missing/deeper'), 'ENOENT')
  await rejectsWith(fs.getattr('/f/below'), 'ENOTDIR')
  await rejectsWith(fs.readdir('/f'), 'ENOTDIR')
  await rejectsWith(fs.mkdir('/f/d', 0o755), 'ENOTDIR')
  await rejectsWith(fs.create('/nodir/f', 0o644), 'ENOENT')
  await rejectsWith(fs.getattr('relative'), 'EINVAL')
})

test('create, mkdir and symlink refuse an existing name with EEXIST; long names with ENAMETOOLONG', async () => {
  const fs = new MemoryDriveFs({ nameMax: 20 })
  await writeFile(fs, '/f', 'x')
  await fs.mkdir('/d', 0o755)
  await rejectsWith(fs.create('/f', 0o644), 'EEXIST')
  await rejectsWith(fs.create('/d', 0o644), 'EEXIST')
  await rejectsWith(fs.mkdir('/f', 0o755), 'EEXIST')
  await rejectsWith(fs.mkdir('/', 0o755), 'EPERM')
  await rejectsWith(fs.symlink('f', '/d'), 'EEXIST')
  await rejectsWith(fs.create('/' + 'n'.repeat(21), 0o644), 'ENAMETOOLONG')
  await fs.create('/' + 'n'.repeat(20), 0o644)
})

test('directories: EISDIR on file operations, ENOTEMPTY on rmdir with entries, ENOTDIR on rmdir of a file', async () => {
  const fs = new MemoryDriveFs()
  await fs.mkdir('/d', 0o755)
  await writeFile(fs, '/d/f', 'x')
  await rejectsWith(fs.open('/d', { write: false }), 'EISDIR')
  await rejectsWith(fs.unlink('/d'), 'EISDIR')
  await rejectsWith(fs.truncate('/d', 0), 'EISDIR')
  await rejectsWith(fs.rmdir('/d'), 'ENOTEMPTY')
  await rejectsWith(fs.rmdir('/d/f'), 'ENOTDIR')
  await rejectsWith(fs.rmdir('/'), 'EPERM')
  await fs.unlink('/d/f')
  await fs.rmdir('/d')
  assert.deepEqual(await fs.readdir('/'), [])
})

test('nlink: 2 plus subdirectories for a directory, 1 for a file, 0 once unlinked', async () => {
  const fs = new MemoryDriveFs()
  assert.equal((await fs.getattr('/')).nlink, 2)
  await fs.mkdir('/a', 0o755)
  await fs.mkdir('/b', 0o755)
  await fs.mkdir('/a/c', 0o755)
  await writeFile(fs, '/a/f', '')
  assert.equal((await fs.getattr('/')).nlink, 4)
  assert.equal((await fs.getattr('/a')).nlink, 3)
  assert.equal((await fs.getattr('/a/f')).nlink, 1)
  await fs.rename('/a/c', '/b/c')
  assert.equal((await fs.getattr('/a')).nlink, 2)
  assert.equal((await fs.getattr('/b')).nlink, 3)
  await fs.rmdir('/b/c')
  assert.equal((await fs.getattr('/b')).nlink, 2)
})

test('attributes: kind, permission bits only, sizes, unique inode numbers', async () => {
  const fs = new MemoryDriveFs()
  await fs.mkdir('/d', 0o40750)
  await writeFile(fs, '/d/f', 'hello')
  await fs.symlink('../target', '/l')
  const d = await fs.getattr('/d')
  const f = await fs.getattr('/d/f')
  const l = await fs.getattr('/l')
  assert.deepEqual([d.kind, d.mode, d.size], ['dir', 0o750, 1])
  assert.deepEqual([f.kind, f.mode, f.size], ['file', 0o644, 5])
  assert.deepEqual([l.kind, l.mode, l.size], ['symlink', 0o777, 9])
  assert.equal(new Set([d.ino, f.ino, l.ino, (await fs.getattr('/')).ino]).size, 4)
  assert.equal(await fs.readlink('/l'), '../target')
  await rejectsWith(fs.readlink('/d/f'), 'EINVAL')
  await fs.chmod('/d/f', 0o100600)
  assert.equal((await fs.getattr('/d/f')).mode, 0o600)
})

test('rename replaces a file and an empty directory, and refuses the rest', async () => {
  const fs = new MemoryDriveFs()
  await writeFile(fs, '/a', 'new')
  await writeFile(fs, '/b', 'old')
  await fs.rename('/a', '/b')
  assert.deepEqual(await fs.readdir('/'), ['b'])
  assert.equal(await readAll(fs, '/b'), 'new')

  await fs.mkdir('/d1', 0o755)
  await fs.mkdir('/d2', 0o755)
  await writeFile(fs, '/d1/inside', 'x')
  await fs.rename('/d1', '/d2')
  assert.deepEqual(await fs.readdir('/d2'), ['inside'])

  await fs.mkdir('/full', 0o755)
  await writeFile(fs, '/full/x', 'x')
  await fs.mkdir('/empty', 0o755)
  await rejectsWith(fs.rename('/empty', '/full'), 'ENOTEMPTY')
  await rejectsWith(fs.rename('/b', '/full'), 'EISDIR')
  await rejectsWith(fs.rename('/empty', '/b'), 'ENOTDIR')
  await rejectsWith(fs.rename('/missing', '/z'), 'ENOENT')
  await rejectsWith(fs.rename('/b', '/missing/z'), 'ENOENT')
  await rejectsWith(fs.rename('/b', '/b/z'), 'ENOTDIR')
  await fs.rename('/b', '/b')
  assert.equal(await readAll(fs, '/b'), 'new')
})

test('rename of a directory into its own subtree is EINVAL', async () => {
  const fs = new MemoryDriveFs()
  await fs.mkdir('/a', 0o755)
  await fs.mkdir('/a/b', 0o755)
  await rejectsWith(fs.rename('/a', '/a/b/c'), 'EINVAL')
  await rejectsWith(fs.rename('/a', '/a/c'), 'EINVAL')
  await rejectsWith(fs.rename('/', '/x'), 'EPERM')
  await fs.rename('/a/b', '/b')
  await fs.rename('/a', '/b/a')
  assert.deepEqual(await fs.readdir('/b'), ['a'])
})

test('truncate up reads back zeros, truncate down drops the tail, and growing again does not revive it', async () => {
  const fs = new MemoryDriveFs()
  await writeFile(fs, '/f', 'abcdef')
  await fs.truncate('/f', 10)
  assert.deepEqual([...bytes(await readAll(fs, '/f'))], [97, 98, 99, 100, 101, 102, 0, 0, 0, 0])
  await fs.truncate('/f', 2)
  assert.equal(await readAll(fs, '/f'), 'ab')
  const h = await fs.open('/f', { write: true })
  await fs.ftruncate(h, 5)
  assert.deepEqual([...(await fs.read(h, 0, 100))], [97, 98, 0, 0, 0])
  await fs.release(h)
  await rejectsWith(fs.truncate('/f', -1), 'EINVAL')
})

test('a write past the end leaves a zero-filled hole; reads stop at the end', async () => {
  const fs = new MemoryDriveFs()
  const h = await fs.create('/f', 0o644)
  assert.equal(await fs.write(h, 5, bytes('xy')), 2)
  assert.equal((await fs.getattr('/f')).size, 7)
  assert.deepEqual([...(await fs.read(h, 0, 100))], [0, 0, 0, 0, 0, 120, 121])
  assert.equal((await fs.read(h, 7, 10)).length, 0)
  assert.equal((await fs.read(h, 1000, 10)).length, 0)
  await fs.release(h)
})

test('open with truncate empties the file; append writes at the end whatever the position', async () => {
  const fs = new MemoryDriveFs()
  await writeFile(fs, '/f', 'hello')
  const a = await fs.open('/f', { write: true, append: true })
  await fs.write(a, 0, bytes(' world'))
  await fs.release(a)
  assert.equal(await readAll(fs, '/f'), 'hello world')
  const t = await fs.open('/f', { write: true, truncate: true })
  assert.equal((await fs.getattr('/f')).size, 0)
  await fs.release(t)
  const r = await fs.open('/f', { write: false, truncate: true })
  await rejectsWith(fs.write(r, 0, bytes('x')), 'EBADF')
  await rejectsWith(fs.ftruncate(r, 0), 'EBADF')
  await fs.release(r)
})

test('handles follow the file, not the path: after rename and after unlink', async () => {
  const fs = new MemoryDriveFs()
  await writeFile(fs, '/f', 'data')
  const h = await fs.open('/f', { write: true })
  await fs.rename('/f', '/g')
  await fs.write(h, 4, bytes('+more'))
  assert.equal(await readAll(fs, '/g'), 'data+more')
  await fs.unlink('/g')
  await rejectsWith(fs.getattr('/g'), 'ENOENT')
  assert.equal(text(await fs.read(h, 0, 100)), 'data+more')
  await fs.write(h, 0, bytes('DATA'))
  assert.equal(text(await fs.read(h, 0, 4)), 'DATA')
  assert.equal(fs.usedBytes, 9, 'an unlinked file keeps its bytes while open')
  await fs.release(h)
  assert.equal(fs.usedBytes, 0, 'and frees them on the last release')
  await rejectsWith(fs.read(h, 0, 1), 'EBADF')
  await rejectsWith(fs.release(h), 'EBADF')
})

test('a rename over an open file keeps that file readable through its handle', async () => {
  const fs = new MemoryDriveFs()
  await writeFile(fs, '/old', 'old contents')
  await writeFile(fs, '/new', 'new')
  const h = await fs.open('/old', { write: false })
  await fs.rename('/new', '/old')
  assert.equal(text(await fs.read(h, 0, 100)), 'old contents')
  assert.equal(await readAll(fs, '/old'), 'new')
  await fs.release(h)
  assert.equal(fs.usedBytes, 3)
})

test('a byte limit: writes, truncates and symlinks that do not fit fail with ENOSPC and change nothing', async () => {
  const fs = new MemoryDriveFs({ capacityBytes: 100 })
  const h = await fs.create('/f', 0o644)
  await fs.write(h, 0, new Uint8Array(60))
  await rejectsWith(fs.write(h, 60, new Uint8Array(41)), 'ENOSPC')
  assert.equal((await fs.getattr('/f')).size, 60)
  await rejectsWith(fs.truncate('/f', 101), 'ENOSPC')
  await rejectsWith(fs.symlink('t'.repeat(41), '/l'), 'ENOSPC')
  await rejectsWith(fs.getattr('/l'), 'ENOENT')
  await fs.write(h, 60, new Uint8Array(40))
  assert.deepEqual(await fs.statfs(), {
    totalBytes: 100,
    freeBytes: 0,
    files: 1_000_000,
    filesFree: 1_000_000 - 2,
    nameMax: 255,
  })
  await fs.ftruncate(h, 10)
  assert.equal((await fs.statfs()).freeBytes, 90)
  await fs.release(h)
  await fs.unlink('/f')
  assert.equal((await fs.statfs()).freeBytes, 100)
})

test('times: content changes set mtime and ctime, metadata changes ctime, utimens sets what it is told', async () => {
  let clock = 1000
  const fs = new MemoryDriveFs({ now: () => clock })
  await fs.mkdir('/d', 0o755)
  clock = 2000
  const h = await fs.create('/d/f', 0o644)
  const created = await fs.getattr('/d/f')
  assert.deepEqual([created.atimeMs, created.mtimeMs, created.ctimeMs], [2000, 2000, 2000])
  assert.equal((await fs.getattr('/d')).mtimeMs, 2000, 'creating an entry changes its directory')
  clock = 3000
  await fs.write(h, 0, bytes('x'))
  let f = await fs.getattr('/d/f')
  assert.deepEqual([f.atimeMs, f.mtimeMs, f.ctimeMs], [2000, 3000, 3000])
  clock = 4000
  await fs.chmod('/d/f', 0o600)
  f = await fs.getattr('/d/f')
  assert.deepEqual([f.mtimeMs, f.ctimeMs], [3000, 4000])
  clock = 5000
  await fs.utimens('/d/f', 111, 222)
  f = await fs.getattr('/d/f')
  assert.deepEqual([f.atimeMs, f.mtimeMs, f.ctimeMs], [111, 222, 5000])
  clock = 6000
  await fs.rename('/d/f', '/f')
  f = await fs.getattr('/f')
  assert.deepEqual([f.mtimeMs, f.ctimeMs], [222, 6000])
  assert.equal((await fs.getattr('/d')).mtimeMs, 6000)
  assert.equal((await fs.getattr('/')).mtimeMs, 6000)
  clock = 7000
  await fs.truncate('/f', 0)
  assert.equal((await fs.getattr('/f')).mtimeMs, 7000)
  await fs.release(h)
})
