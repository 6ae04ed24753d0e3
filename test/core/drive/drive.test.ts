// The drive over an in-memory chunk store and root store, with real SQLite
// and staging files on disk.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { spawn } from 'node:child_process'
import { writeFile as writeFileOnDisk } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { MemoryChunkStore } from '../../../main/core/chunk-store.ts'
import { Drive, MemoryRootStore, newDriveKeys } from '../../../main/core/drive/index.ts'
import type { DriveOptions } from '../../../main/core/drive/index.ts'
import { tempDir } from '../../helpers.ts'

const fixture = new URL('./fixtures/crash-writer.ts', import.meta.url).pathname

interface World {
  chunks: MemoryChunkStore
  root: MemoryRootStore
  key: Uint8Array
}

function world(): World {
  return { chunks: new MemoryChunkStore(), root: new MemoryRootStore(), key: newDriveKeys().encryptionKey }
}

async function openDrive(
  t: TestContext,
  w: World,
  dir?: string,
  extra: Partial<DriveOptions> = {},
): Promise<Drive> {
  const drive = await Drive.open({
    dir: dir ?? (await tempDir(t)),
    key: w.key,
    chunks: w.chunks,
    root: w.root,
    commitDelayMs: 20,
    ...extra,
  })
  return drive
}

async function writeFile(drive: Drive, path: string, bytes: Uint8Array): Promise<void> {
  const fh = await drive.create(path, 0o644)
  await drive.write(fh, 0, bytes)
  await drive.release(fh)
}

async function readAll(drive: Drive, path: string): Promise<Buffer> {
  const size = (await drive.getattr(path)).size
  const fh = await drive.open(path, { write: false })
  const out = Buffer.from(await drive.read(fh, 0, size))
  await drive.release(fh)
  return out
}

test('files written to a drive reach the network and open on a second node with the same key', async (t) => {
  const w = world()
  const a = await openDrive(t, w)
  await a.mkdir('/docs', 0o755)
  const big = randomBytes(3 * 2 ** 20 + 17)
  await writeFile(a, '/docs/big.bin', big)
  await writeFile(a, '/hello.txt', Buffer.from('hello drive'))
  await a.symlink('docs/big.bin', '/link')
  assert.equal(a.status().state, 'syncing')
  assert.ok(await a.syncAll(20_000))
  assert.equal(a.status().state, 'synced')
  assert.equal(a.status().files_pending, 0)
  assert.ok(w.root.record, 'a root record was published')
  await a.close()

  const b = await openDrive(t, w)
  t.after(() => b.close())
  assert.deepEqual((await b.readdir('/')).sort(), ['docs', 'hello.txt', 'link'])
  assert.ok(big.equals(await readAll(b, '/docs/big.bin')))
  assert.equal((await readAll(b, '/hello.txt')).toString(), 'hello drive')
  assert.equal(await b.readlink('/link'), 'docs/big.bin')
})

test('hard links, special files, owners and modes reach a second node as they were', async (t) => {
  const w = world()
  const a = await openDrive(t, w)
  await a.mkdir('/d', 0o2775, { uid: 1000, gid: 1000 })
  await writeFile(a, '/d/one', Buffer.from('shared bytes'))
  await a.link('/d/one', '/two')
  await a.mknod('/fifo', constants.S_IFIFO | 0o640, 0, { uid: 7, gid: 8 })
  await a.mknod('/null', constants.S_IFCHR | 0o666, 0x0103, { uid: 0, gid: 0 })
  await a.chown('/two', 501, 20)
  await a.utimens('/d/one', 1_000_000, null)
  assert.ok(await a.syncAll(20_000))
  const before = await a.getattr('/d/one')
  await a.close()

  const b = await openDrive(t, w)
  t.after(() => b.close())
  const one = await b.getattr('/d/one')
  const two = await b.getattr('/two')
  assert.equal(one.ino, two.ino, 'both names lead to one inode')
  assert.equal(one.nlink, 2)
  assert.deepEqual([one.uid, one.gid, one.atimeMs >= 0, one.mtimeMs], [501, 20, true, before.mtimeMs])
  assert.equal((await readAll(b, '/two')).toString(), 'shared bytes')
  const fifo = await b.getattr('/fifo')
  assert.deepEqual([fifo.kind, fifo.mode, fifo.uid, fifo.gid], ['fifo', 0o640, 7, 8])
  const dev = await b.getattr('/null')
  assert.deepEqual([dev.kind, dev.rdev], ['char', 0x0103])
  const d = await b.getattr('/d')
  assert.deepEqual([d.mode, d.uid], [0o2775, 1000])
  await b.unlink('/d/one')
  assert.equal((await b.getattr('/two')).nlink, 1)
  assert.equal((await readAll(b, '/two')).toString(), 'shared bytes')
})

test('errors carry the errno a file system gives', async (t) => {
  const w = world()
  const d = await openDrive(t, w)
  t.after(() => d.close())
  await d.mkdir('/a', 0o755)
  await writeFile(d, '/a/f', Buffer.from('x'))
  const code = async (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code: string }) => e.code,
    )
  assert.equal(await code(d.getattr('/nope')), 'ENOENT')
  assert.equal(await code(d.mkdir('/a', 0o755)), 'EEXIST')
  assert.equal(await code(d.rmdir('/a')), 'ENOTEMPTY')
  assert.equal(await code(d.unlink('/a')), 'EISDIR')
  assert.equal(await code(d.readdir('/a/f')), 'ENOTDIR')
  assert.equal(await code(d.getattr('/a/f/g')), 'ENOTDIR')
  assert.equal(await code(d.rename('/a', '/a/sub')), 'EINVAL')
  assert.equal(await code(d.open('/a', { write: true })), 'EISDIR')
})

test('rename replaces the destination; truncate grows with zeros and shrinks', async (t) => {
  const w = world()
  const d = await openDrive(t, w)
  t.after(() => d.close())
  await writeFile(d, '/one', Buffer.from('first'))
  await writeFile(d, '/two', Buffer.from('second'))
  await d.rename('/one', '/two')
  assert.deepEqual(await d.readdir('/'), ['two'])
  assert.equal((await readAll(d, '/two')).toString(), 'first')
  await d.truncate('/two', 8)
  assert.deepEqual(await readAll(d, '/two'), Buffer.from('first\0\0\0'))
  await d.truncate('/two', 2)
  assert.equal((await readAll(d, '/two')).toString(), 'fi')
  assert.ok(await d.syncAll(10_000))
  // after upload the file is read from the network, through the cache
  assert.equal((await readAll(d, '/two')).toString(), 'fi')
})

test('random writes at odd offsets match a reference buffer, before and after sync', async (t) => {
  const w = world()
  const d = await openDrive(t, w)
  t.after(() => d.close())
  const reference = Buffer.alloc(0)
  let ref = reference
  const fh = await d.create('/r', 0o644)
  for (let i = 0; i < 200; i++) {
    const at = Math.floor(Math.random() * 300_000)
    const bytes = randomBytes(1 + Math.floor(Math.random() * 5000))
    await d.write(fh, at, bytes)
    if (ref.length < at + bytes.length)
      ref = Buffer.concat([ref, Buffer.alloc(at + bytes.length - ref.length)])
    bytes.copy(ref, at)
  }
  await d.release(fh)
  assert.ok(ref.equals(await readAll(d, '/r')))
  assert.ok(await d.syncAll(10_000))
  assert.ok(ref.equals(await readAll(d, '/r')))
  // a write to the synced file fetches it into the journal and changes only that range
  const fh2 = await d.open('/r', { write: true })
  await d.write(fh2, 7, Buffer.from('PEERDRIVE'))
  Buffer.from('PEERDRIVE').copy(ref, 7)
  await d.release(fh2)
  assert.ok(ref.equals(await readAll(d, '/r')))
})

test('a kill -9 after fsync loses nothing: the journal replays and the upload completes', async (t) => {
  const w = world()
  const dir = await tempDir(t)
  const bytes = randomBytes(500_000)
  const source = join(dir, 'source.bin')
  await writeFileOnDisk(source, bytes)
  const child = spawn(
    process.execPath,
    [fixture, join(dir, 'drive'), Buffer.from(w.key).toString('hex'), source],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('fsynced') && resolve())
    child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)))
  })
  child.kill('SIGKILL')
  await new Promise((r) => child.once('exit', r))

  const b = await openDrive(t, w, join(dir, 'drive'))
  t.after(() => b.close())
  assert.ok(await b.syncAll(10_000))
  assert.equal(b.status().state, 'synced')
  const fresh = await openDrive(t, w)
  t.after(() => fresh.close())
  const got = await readAll(fresh, '/kept.bin')
  assert.ok(bytes.equals(got.subarray(0, bytes.length)), 'every fsynced byte is in the network')
})

test('writes are accepted while the network is unreachable and sync when it returns', async (t) => {
  const w = world()
  let reachable = false
  const flaky = {
    put: async (a: Uint8Array, b: Uint8Array) => {
      if (!reachable) throw new Error('no vault reachable')
      return w.chunks.put(a, b)
    },
    get: (a: Uint8Array) => w.chunks.get(a),
  }
  const d = await openDrive(t, w, undefined, { chunks: flaky })
  t.after(() => d.close())
  await writeFile(d, '/queued.txt', Buffer.from('waiting for the network'))
  await new Promise((r) => setTimeout(r, 200))
  const status = d.status()
  assert.notEqual(status.state, 'synced')
  assert.equal(status.files_pending, 1)
  reachable = true
  assert.ok(await d.syncAll(20_000))
  assert.equal(d.status().state, 'synced')
})

test('a full journal fails writes with ENOSPC after back-pressure, and frees up after upload', async (t) => {
  const w = world()
  const events: string[] = []
  let reachable = false
  const gated = {
    put: async (a: Uint8Array, b: Uint8Array) => {
      if (!reachable) throw new Error('offline')
      return w.chunks.put(a, b)
    },
    get: (a: Uint8Array) => w.chunks.get(a),
  }
  const d = await openDrive(t, w, undefined, {
    chunks: gated,
    journalLimitBytes: 1_000_000,
    backpressureMs: 200,
    onEvent: (e) => events.push(e.type),
  })
  t.after(() => d.close())
  await writeFile(d, '/a', randomBytes(900_000))
  const fh = await d.create('/b', 0o644)
  await assert.rejects(d.write(fh, 0, randomBytes(200_000)), { code: 'ENOSPC' })
  assert.ok(events.includes('journal-full'))
  reachable = true
  assert.ok(await d.syncAll(20_000))
  assert.equal(await d.write(fh, 0, randomBytes(200_000)), 200_000)
  await d.release(fh)
})
