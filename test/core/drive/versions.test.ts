// Version history: the store on real SQLite, and a drive over in-memory
// chunk and root stores that keeps, lists and restores its files' versions.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { MemoryChunkStore } from '../../../main/core/chunk-store.ts'
import { Drive, MemoryRootStore, newDriveKeys } from '../../../main/core/drive/index.ts'
import type { DriveOptions } from '../../../main/core/drive/index.ts'
import { VersionStore, pickVersion } from '../../../main/core/drive/versions.ts'
import type { NewVersion } from '../../../main/core/drive/versions.ts'
import { tempDir } from '../../helpers.ts'

const DAY = 24 * 3600 * 1000

async function store(t: TestContext): Promise<{ db: Database.Database; versions: VersionStore }> {
  const db = new Database(join(await tempDir(t), 'v.sqlite'))
  t.after(() => db.close())
  db.exec('CREATE TABLE inodes (ino INTEGER PRIMARY KEY, handle TEXT)')
  return { db, versions: new VersionStore(db) }
}

function version(over: Partial<NewVersion>): NewVersion {
  return {
    path: '/a.txt',
    ino: 2,
    at: 1000,
    mtime: 1000,
    size: 1,
    mode: 0o644,
    handle: 'h1',
    device: 'laptop',
    ...over,
  }
}

test('versions are listed newest first, numbered from the oldest, and the same content twice is one version', async (t) => {
  const { versions } = await store(t)
  assert.ok(versions.record(version({ handle: 'h1', at: 1000 })))
  assert.ok(!versions.record(version({ handle: 'h1', at: 1500 })), 'an unchanged upload is no new version')
  assert.ok(versions.record(version({ handle: 'h2', at: 2000, size: 2 })))
  assert.ok(versions.record(version({ handle: 'h3', at: 3000, size: 3 })))
  versions.record(version({ path: '/other', ino: 3, handle: 'x' }))
  const list = versions.list('/a.txt')
  assert.deepEqual(
    list.map((v) => [v.number, v.handle, v.size]),
    [
      [3, 'h3', 3],
      [2, 'h2', 2],
      [1, 'h1', 1],
    ],
  )
  assert.equal(pickVersion(list, { number: 2 })?.handle, 'h2')
  assert.equal(pickVersion(list, { at: 2500 })?.handle, 'h2', 'the version current at that time')
  assert.equal(pickVersion(list, { at: 999 }), undefined)
  assert.equal(pickVersion(list, { number: 9 }), undefined)
  assert.deepEqual(versions.list('/missing'), [])
})

test('a rename carries the history of a file, and of everything in a renamed folder', async (t) => {
  const { versions } = await store(t)
  versions.record(version({ path: '/docs/a', ino: 2, handle: 'a' }))
  versions.record(version({ path: '/docs/sub/b', ino: 3, handle: 'b' }))
  versions.record(version({ path: '/docsx/c', ino: 4, handle: 'c' }))
  versions.moved('/docs', '/papers')
  assert.equal(versions.list('/papers/a').length, 1)
  assert.equal(versions.list('/papers/sub/b').length, 1)
  assert.equal(versions.list('/docsx/c').length, 1, 'a name that only starts alike stays')
  assert.equal(versions.list('/docs/a').length, 0)
  versions.moved('/papers/a', '/a')
  assert.equal(versions.list('/a')[0]?.handle, 'a')
})

test('retention lets go of old versions but never of an existing file’s current content', async (t) => {
  const { db, versions } = await store(t)
  const now = 100 * DAY
  db.prepare('INSERT INTO inodes (ino) VALUES (2)').run()
  versions.record(version({ ino: 2, handle: 'old', at: now - 40 * DAY }))
  versions.record(version({ ino: 2, handle: 'older-current', at: now - 35 * DAY }))
  // a deleted file (inode 3 is gone): all of it is history
  versions.record(version({ path: '/gone', ino: 3, handle: 'g1', at: now - 40 * DAY }))
  versions.record(version({ path: '/gone', ino: 3, handle: 'g2', at: now - 5 * DAY }))
  assert.equal(versions.prune(30, now), 2)
  assert.deepEqual(
    versions.list('/a.txt').map((v) => v.handle),
    ['older-current'],
  )
  assert.deepEqual(
    versions.list('/gone').map((v) => v.handle),
    ['g2'],
  )
  assert.equal(versions.prune(1, now), 1)
  assert.equal(versions.count(), 1)
})

test('what history costs: the earlier contents no file has now, each counted once', async (t) => {
  const { db, versions } = await store(t)
  db.prepare("INSERT INTO inodes (ino, handle) VALUES (2, 'now')").run()
  versions.record(version({ ino: 2, handle: 'before', size: 100 }))
  versions.record(version({ ino: 2, handle: 'now', size: 10 }))
  versions.record(version({ path: '/copy', ino: 3, handle: 'before', size: 100 }))
  versions.record(version({ path: '/gone', ino: 4, handle: 'gone', size: 1000 }))
  versions.record(version({ path: '/empty', ino: 5, handle: null, size: 0 }))
  assert.deepEqual(versions.earlierContent(), { versions: 2, bytes: 1100 })
})

// ---- on a drive ----

interface World {
  chunks: MemoryChunkStore
  root: MemoryRootStore
  key: Uint8Array
}

async function openDrive(
  t: TestContext,
  w: World,
  dir: string,
  extra: Partial<DriveOptions> = {},
): Promise<Drive> {
  const drive = await Drive.open({
    dir,
    key: w.key,
    chunks: w.chunks,
    root: w.root,
    commitDelayMs: 20,
    device: 'desk',
    ...extra,
  })
  t.after(() => drive.close().catch(() => {}))
  return drive
}

async function put(drive: Drive, path: string, bytes: Uint8Array): Promise<void> {
  const fh = await drive.create(path, 0o640)
  await drive.write(fh, 0, bytes)
  await drive.release(fh)
  assert.ok(await drive.syncAll(20_000))
}

async function get(drive: Drive, path: string): Promise<Buffer> {
  const size = (await drive.getattr(path)).size
  const fh = await drive.open(path, { write: false })
  const out = Buffer.from(await drive.read(fh, 0, size))
  await drive.release(fh)
  return out
}

test('a drive keeps each uploaded content, restores one as a new version and recovers a deleted file', async (t) => {
  const w = { chunks: new MemoryChunkStore(), root: new MemoryRootStore(), key: newDriveKeys().encryptionKey }
  const dir = await tempDir(t)
  const drive = await openDrive(t, w, dir)
  await drive.mkdir('/docs', 0o755)
  const v1 = randomBytes(200_000)
  const v2 = Buffer.from('second version')
  await put(drive, '/docs/report.bin', v1)
  await put(drive, '/docs/report.bin', v2)
  let listing = drive.listVersions('docs/report.bin')
  assert.equal(listing.path, '/docs/report.bin')
  assert.deepEqual(
    listing.versions.map((v) => [v.number, v.size, v.device]),
    [
      [2, v2.length, 'desk'],
      [1, v1.length, 'desk'],
    ],
  )
  assert.equal(listing.current, 2)

  await drive.restoreVersion('/docs/report.bin', { number: 1 })
  assert.ok(v1.equals(await get(drive, '/docs/report.bin')), 'version 1 is back byte for byte')
  listing = drive.listVersions('/docs/report.bin')
  assert.equal(listing.versions.length, 3, 'the restore is a new version; nothing is lost')
  assert.equal(listing.current, 3)
  assert.ok(await drive.syncAll(20_000))

  // deleted with its folder: the history still lists it, and a restore brings both back
  await drive.unlink('/docs/report.bin')
  await drive.rmdir('/docs')
  assert.ok(await drive.syncAll(20_000))
  listing = drive.listVersions('/docs/report.bin')
  assert.equal(listing.exists, false)
  assert.equal(listing.current, null)
  assert.equal(listing.versions.length, 3)
  await drive.restoreVersion('/docs/report.bin', { number: 2 })
  assert.ok(v2.equals(await get(drive, '/docs/report.bin')))
  assert.equal((await drive.getattr('/docs/report.bin')).mode, 0o640)
  assert.ok(await drive.syncAll(20_000))
  await drive.close()

  // the history survives a restart, and the restored file is in the published tree
  const again = await openDrive(t, w, dir)
  assert.equal(again.listVersions('/docs/report.bin').versions.length, 4)
  await again.close()
  const elsewhere = await openDrive(t, w, await tempDir(t))
  assert.ok(v2.equals(await get(elsewhere, '/docs/report.bin')))
})

test('restore refuses clearly: no history, no such version, a folder, a file with unsynced changes', async (t) => {
  const w = { chunks: new MemoryChunkStore(), root: new MemoryRootStore(), key: newDriveKeys().encryptionKey }
  const drive = await openDrive(t, w, await tempDir(t))
  await assert.rejects(drive.restoreVersion('/nothing'), /ENOENT: \/nothing has no versions/)
  await put(drive, '/a', Buffer.from('one'))
  await assert.rejects(
    drive.restoreVersion('/a', { number: 5 }),
    /no version 5 \(it has 1, numbered 1 to 1\)/,
  )
  await assert.rejects(drive.restoreVersion('/a'), /no earlier version/)
  await assert.rejects(drive.restoreVersion('/a', { at: 0 }), /no version from 1970-01-01/)
  await drive.mkdir('/d', 0o755)
  assert.throws(() => drive.listVersions('/d'), /EISDIR/)
  await put(drive, '/a', Buffer.from('two'))
  const fh = await drive.open('/a', { write: true })
  await assert.rejects(drive.restoreVersion('/a', { number: 1 }), /EBUSY: \/a is open for writing/)
  await drive.release(fh)
  assert.equal((await get(drive, '/a')).toString(), 'two')
  // an editor's save (write a new file, rename it over the old) keeps one history
  await put(drive, '/a.tmp', Buffer.from('three'))
  await drive.rename('/a.tmp', '/a')
  assert.deepEqual(
    drive.listVersions('/a').versions.map((v) => v.size),
    [5, 3, 3],
  )
  await drive.restoreVersion('/a')
  assert.equal((await get(drive, '/a')).toString(), 'two', 'without a choice, the newest earlier version')
})

test('the history follows the account: another device reads it from the network, and each sees the other’s versions', async (t) => {
  const w = { chunks: new MemoryChunkStore(), root: new MemoryRootStore(), key: newDriveKeys().encryptionKey }
  const history = new MemoryRootStore()
  const a = await openDrive(t, w, await tempDir(t), { historyStore: history, device: 'desk' })
  const v1 = randomBytes(70_000)
  await put(a, '/letter.txt', v1)
  await put(a, '/letter.txt', Buffer.from('second'))
  await a.unlink('/letter.txt')
  assert.ok(await a.syncAll(20_000))
  await a.publishHistory()
  assert.ok(history.record, 'the history is in the network')
  await a.close()

  // a new device of the account: its tree and its history come from the network
  const b = await openDrive(t, w, await tempDir(t), { historyStore: history, device: 'laptop' })
  await b.publishHistory()
  const listing = b.listVersions('/letter.txt')
  assert.equal(listing.exists, false)
  assert.deepEqual(
    listing.versions.map((v) => [v.number, v.device]),
    [
      [2, 'desk'],
      [1, 'desk'],
    ],
  )
  await b.restoreVersion('/letter.txt', { number: 1 })
  assert.ok(v1.equals(await get(b, '/letter.txt')))
  assert.ok(await b.syncAll(20_000))
  await b.publishHistory()

  // the first device, back, reads what the second added
  const again = await openDrive(t, w, await tempDir(t), { historyStore: history, device: 'desk' })
  await again.publishHistory()
  const seen = again.listVersions('/letter.txt')
  assert.deepEqual(
    seen.versions.map((v) => [v.number, v.device, v.number === seen.current]),
    [
      [3, 'laptop', true],
      [2, 'desk', false],
      [1, 'desk', false],
    ],
  )
})

test('a long history chain starts anew with a whole segment, and a damaged one is refused without harm', async (t) => {
  const w = { chunks: new MemoryChunkStore(), root: new MemoryRootStore(), key: newDriveKeys().encryptionKey }
  const history = new MemoryRootStore()
  const logs: string[] = []
  const a = await openDrive(t, w, await tempDir(t), { historyStore: history, log: (l) => logs.push(l) })
  for (let i = 0; i < 40; i++) {
    await put(a, '/counter', Buffer.from(String(i)))
    await a.publishHistory()
  }
  assert.equal(a.listVersions('/counter').versions.length, 40)
  // one whole segment, 31 after it, a whole one again, and 7 since: a reader fetches at most 32
  assert.equal(a.db.meta('history_depth'), '7')
  const fresh = await openDrive(t, w, await tempDir(t), { historyStore: history })
  await fresh.publishHistory()
  assert.equal(fresh.listVersions('/counter').versions.length, 40, 'read back through the whole segment')

  // a record holder hands back garbage under the history's name: the drive says so and carries on
  history.record = { version: history.record!.version + 1n, payload: randomBytes(64) }
  const other = await openDrive(t, w, await tempDir(t), { historyStore: history })
  await assert.rejects(other.publishHistory(), /RootUnreadable|does not open/)
  await put(other, '/still-works', Buffer.from('yes'))
  assert.equal((await get(other, '/still-works')).toString(), 'yes')
})
