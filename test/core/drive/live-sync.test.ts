// Live sync between two devices of one drive, over shared in-memory chunk
// and root stores: each device has its own local state and merges the
// other's roots — independent changes both land, concurrent edits of one
// file keep both, and an unsynced local write is never overwritten.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { MemoryChunkStore } from '../../../main/core/chunk-store.ts'
import { Drive, MemoryRootStore, newDriveKeys } from '../../../main/core/drive/index.ts'
import type { DriveEvent, RootRecord, RootStore } from '../../../main/core/drive/index.ts'
import { conflictName } from '../../../main/core/drive/conflict-name.ts'
import { sealRoot } from '../../../main/core/drive/root.ts'
import { SelfEncryptor, encodeHandle } from '../../../main/core/selfenc/index.ts'
import { readDriveFile, writeDriveFile } from '../account/support.ts'
import { waitFor } from '../net/support.ts'
import { tempDir } from '../../helpers.ts'

interface Pair {
  a: Drive
  b: Drive
  events: DriveEvent[]
}

async function twoDevices(t: TestContext, liveSyncMs: number): Promise<Pair> {
  const key = newDriveKeys().encryptionKey
  const chunks = new MemoryChunkStore()
  const root = new MemoryRootStore()
  const events: DriveEvent[] = []
  const open = async (device: string): Promise<Drive> => {
    const drive = await Drive.open({
      dir: await tempDir(t),
      key,
      chunks,
      root,
      commitDelayMs: 20,
      liveSyncMs,
      device,
      onEvent: (e) => events.push(e),
    })
    t.after(() => drive.close())
    return drive
  }
  return { a: await open('desk'), b: await open('laptop'), events }
}

const text = async (d: Drive, path: string): Promise<string> => (await readDriveFile(d, path)).toString()
const exists = (d: Drive, path: string): Promise<boolean> =>
  d.getattr(path).then(
    () => true,
    () => false,
  )

test('a conflict copy is named after the device and time of the edit that lost, extension last', () => {
  const at = Date.UTC(2026, 11, 7, 14, 3, 12)
  const none = (): boolean => false
  assert.equal(
    conflictName('report.txt', 'laptop', at, none),
    'report (conflict, laptop, 2026-12-07 14-03-12).txt',
  )
  assert.equal(conflictName('.bashrc', 'desk', at, none), '.bashrc (conflict, desk, 2026-12-07 14-03-12)')
  assert.equal(conflictName('a.tar.gz', 'x/y', at, none), 'a.tar (conflict, x_y, 2026-12-07 14-03-12).gz')
  const taken = new Set(['n (conflict, d, 2026-12-07 14-03-12)'])
  assert.equal(
    conflictName('n', 'd', at, (n) => taken.has(n)),
    'n (conflict, d, 2026-12-07 14-03-12, 2)',
  )
  assert.ok(Buffer.byteLength(conflictName('é'.repeat(127), 'd', at, none)) <= 255)
})

test('a file written on one device appears on the other, and so do its edits and its deletion', async (t) => {
  const { a, b } = await twoDevices(t, 100)
  await writeDriveFile(a, '/notes.txt', Buffer.from('first'))
  await a.syncAll()
  await waitFor(() => exists(b, '/notes.txt'), 30_000, 'the file to reach the laptop')
  assert.equal(await text(b, '/notes.txt'), 'first')
  await writeDriveFile(b, '/notes.txt', Buffer.from('second, from the laptop'))
  await b.syncAll()
  await waitFor(async () => (await text(a, '/notes.txt')) === 'second, from the laptop', 30_000, 'the edit')
  await a.unlink('/notes.txt')
  await a.syncAll()
  await waitFor(async () => !(await exists(b, '/notes.txt')), 30_000, 'the deletion')
})

test('independent changes merge: a folder made on one device while a file is renamed on the other', async (t) => {
  const { a, b } = await twoDevices(t, 0)
  await writeDriveFile(a, '/draft.txt', Buffer.from('draft'))
  await writeDriveFile(a, '/keep.txt', Buffer.from('kept'))
  await a.syncAll()
  await b.liveSync.check()
  assert.equal(await text(b, '/draft.txt'), 'draft')

  await a.mkdir('/photos', 0o755)
  await writeDriveFile(a, '/photos/cat.jpg', Buffer.from('meow'))
  await b.rename('/draft.txt', '/final.txt')
  await a.syncAll()
  // The laptop's commit is refused as stale until it has merged the desk's root.
  await b.syncAll(1_000)
  await b.liveSync.check()
  assert.ok(await b.syncAll(), 'the laptop publishes the merged tree')
  await a.liveSync.check()
  for (const d of [a, b]) {
    assert.deepEqual((await d.readdir('/')).sort(), ['final.txt', 'keep.txt', 'photos'])
    assert.equal(await text(d, '/final.txt'), 'draft')
    assert.equal(await text(d, '/photos/cat.jpg'), 'meow')
  }
})

test('concurrent edits of one file keep both: the later at the name, the other as a conflict copy', async (t) => {
  const { a, b, events } = await twoDevices(t, 0)
  await writeDriveFile(a, '/plan.txt', Buffer.from('v0'))
  await a.syncAll()
  await b.liveSync.check()
  await writeDriveFile(a, '/plan.txt', Buffer.from('desk edit'))
  await a.syncAll()
  // The laptop's edit is later, and not in the network yet when the desk's root arrives.
  await new Promise((r) => setTimeout(r, 5))
  await writeDriveFile(b, '/plan.txt', Buffer.from('laptop edit'))
  await b.liveSync.check()
  assert.ok(await b.syncAll(), 'the laptop publishes the merge')
  await a.liveSync.check()
  for (const d of [a, b]) {
    const names = (await d.readdir('/')).sort()
    assert.equal(names.length, 2, names.join(', '))
    assert.equal(await text(d, '/plan.txt'), 'laptop edit', 'the later edit keeps the name')
    const copy = names.find((n) => n !== 'plan.txt')!
    assert.match(copy, /^plan \(conflict, desk, \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\)\.txt$/)
    assert.equal(await text(d, `/${copy}`), 'desk edit', 'the earlier edit is in the copy')
  }
  assert.ok(events.some((e) => e.type === 'conflict' && e.message.includes('/plan.txt')))
})

test('a write not yet in the network is never overwritten by another device’s root', async (t) => {
  const { a, b } = await twoDevices(t, 0)
  await writeDriveFile(a, '/log.txt', Buffer.from('v0'))
  await a.syncAll()
  await b.liveSync.check()
  // The laptop is writing (open, not closed) while the desk's edit and deletion arrive.
  const fh = await b.open('/log.txt', { write: true, truncate: true })
  await b.write(fh, 0, Buffer.from('still writing'))
  await writeDriveFile(a, '/log.txt', Buffer.from('desk'))
  await a.syncAll()
  await b.liveSync.check()
  await b.release(fh)
  assert.ok(await b.syncAll())
  const names = await b.readdir('/')
  const contents = await Promise.all(names.map((n) => text(b, `/${n}`)))
  assert.deepEqual(contents.sort(), ['desk', 'still writing'], names.join(', '))

  await a.liveSync.check()
  await a.unlink('/log.txt')
  await a.syncAll(1_000)
  const fh2 = await b.open('/log.txt', { write: true })
  await b.write(fh2, 0, Buffer.from('kept'))
  await a.liveSync.check()
  assert.ok(await a.syncAll())
  await b.liveSync.check()
  await b.release(fh2)
  assert.ok(await b.syncAll())
  assert.match(await text(b, '/log.txt'), /^kept/, 'an edit here outlives a deletion there')
  await a.liveSync.check()
  assert.match(await text(a, '/log.txt'), /^kept/)
})

/**
 * A root record whose holders can split: while split, each device publishes
 * to its own holders and both can take the same version; a read takes the
 * best of all holders, as the network's record store does.
 */
class SplitRoot {
  split = false
  private readonly views: (RootRecord | undefined)[] = [undefined, undefined]

  store(side: 0 | 1): RootStore {
    return {
      load: async () => this.best(),
      save: async (version, payload) => {
        const sides = this.split ? [side] : [0, 1]
        const newest = Math.max(...sides.map((s) => Number(this.views[s]?.version ?? -1n)))
        if (version <= BigInt(newest)) throw new Error('stale root version')
        for (const s of sides) this.views[s] = { version, payload }
      },
    }
  }

  private best(): RootRecord | undefined {
    const [x, y] = this.views
    if (!x || !y) return x ?? y
    if (x.version !== y.version) return x.version > y.version ? x : y
    return Buffer.compare(Buffer.from(x.payload), Buffer.from(y.payload)) >= 0 ? x : y
  }
}

/** Stores that fail while `offline.on`, as a device with no network sees them. */
function gated<T extends object>(target: T, offline: { on: boolean }): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value: unknown = Reflect.get(t, key, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (offline.on) return Promise.reject(new Error('no network'))
        return (value as (...a: unknown[]) => unknown).apply(t, args)
      }
    },
  })
}

async function converge(a: Drive, b: Drive): Promise<void> {
  for (let round = 0; round < 4; round++) {
    await a.liveSync.check()
    await a.syncAll(5_000)
    await b.liveSync.check()
    await b.syncAll(5_000)
  }
}

test('two devices publishing the same version at once (holders split) lose neither edit', async (t) => {
  const key = newDriveKeys().encryptionKey
  const chunks = new MemoryChunkStore()
  const root = new SplitRoot()
  const open = async (side: 0 | 1, device: string): Promise<Drive> => {
    const d = await Drive.open({
      dir: await tempDir(t),
      key,
      chunks,
      root: root.store(side),
      commitDelayMs: 20,
      liveSyncMs: 0,
      device,
    })
    t.after(() => d.close())
    return d
  }
  const a = await open(0, 'desk')
  const b = await open(1, 'laptop')
  await writeDriveFile(a, '/doc.txt', Buffer.from('v0'))
  await writeDriveFile(a, '/other.txt', Buffer.from('untouched'))
  assert.ok(await a.syncAll())
  await b.liveSync.check()
  const before = a.status().root_version

  root.split = true
  await writeDriveFile(a, '/doc.txt', Buffer.from('desk'))
  await writeDriveFile(a, '/desk-only.txt', Buffer.from('new on the desk'))
  await new Promise((r) => setTimeout(r, 5))
  await writeDriveFile(b, '/doc.txt', Buffer.from('laptop'))
  assert.ok(await a.syncAll())
  assert.ok(await b.syncAll())
  // Each published version before + 1 (the desk perhaps another after it), unaware of the other's.
  assert.equal(b.status().root_version, before + 1)
  assert.ok(a.status().root_version >= before + 1)
  root.split = false

  await converge(a, b)
  for (const d of [a, b]) {
    const names = (await d.readdir('/')).sort()
    const docs = await Promise.all(names.filter((n) => n.startsWith('doc')).map((n) => text(d, `/${n}`)))
    assert.deepEqual(docs.sort(), ['desk', 'laptop'], names.join(', '))
    assert.equal(await text(d, '/doc.txt'), 'laptop', 'the later edit keeps the name')
    assert.equal(await text(d, '/desk-only.txt'), 'new on the desk')
    assert.equal(await text(d, '/other.txt'), 'untouched')
  }
  // Converged: reading the root again changes nothing and publishes nothing.
  const settled = a.status().root_version
  await converge(a, b)
  assert.equal(a.status().root_version, settled, 'no more roots once both have the same tree')
})

test('a device that was offline reconciles when it is back: its edits and the others’ all kept', async (t) => {
  const key = newDriveKeys().encryptionKey
  const chunks = new MemoryChunkStore()
  const root = new MemoryRootStore()
  const offline = { on: false }
  const open = async (device: string, gate: boolean): Promise<Drive> => {
    const d = await Drive.open({
      dir: await tempDir(t),
      key,
      chunks: gate ? gated(chunks, offline) : chunks,
      root: gate ? gated(root, offline) : root,
      commitDelayMs: 20,
      liveSyncMs: 0,
      device,
    })
    t.after(() => d.close())
    return d
  }
  const a = await open('desk', false)
  const b = await open('laptop', true)
  await writeDriveFile(a, '/shared.txt', Buffer.from('v0'))
  await writeDriveFile(a, '/old.txt', Buffer.from('to be deleted'))
  assert.ok(await a.syncAll())
  await b.liveSync.check()

  offline.on = true
  await writeDriveFile(b, '/shared.txt', Buffer.from('edited offline'))
  await b.mkdir('/trip', 0o755)
  await writeDriveFile(b, '/trip/day1.txt', Buffer.from('written offline'))
  await new Promise((r) => setTimeout(r, 5))
  await writeDriveFile(a, '/shared.txt', Buffer.from('edited on the desk'))
  await a.unlink('/old.txt')
  await writeDriveFile(a, '/new.txt', Buffer.from('made on the desk'))
  assert.ok(await a.syncAll())
  assert.equal(await b.syncAll(1_000), false, 'nothing reaches the network while offline')
  await assert.rejects(b.liveSync.check())

  offline.on = false
  await converge(a, b)
  for (const d of [a, b]) {
    const names = (await d.readdir('/')).sort()
    assert.equal(await text(d, '/shared.txt'), 'edited on the desk', 'the later edit keeps the name')
    const copy = names.find((n) => n.startsWith('shared (conflict, laptop, '))
    assert.ok(copy, names.join(', '))
    assert.equal(await text(d, `/${copy}`), 'edited offline')
    assert.equal(await text(d, '/trip/day1.txt'), 'written offline')
    assert.equal(await text(d, '/new.txt'), 'made on the desk')
    assert.equal(await exists(d, '/old.txt'), false)
  }
})

test('a damaged root directory from the network is refused with a clear error, and the drive carries on', async (t) => {
  const key = newDriveKeys().encryptionKey
  const chunks = new MemoryChunkStore()
  const root = new MemoryRootStore()
  const drive = await Drive.open({
    dir: await tempDir(t),
    key,
    chunks,
    root,
    commitDelayMs: 20,
    liveSyncMs: 0,
  })
  t.after(() => drive.close())
  await writeDriveFile(drive, '/mine.txt', Buffer.from('still here'))
  assert.ok(await drive.syncAll())
  const enc = new SelfEncryptor()
  t.after(() => enc.close())
  for (const junk of [
    'not json',
    '{"v":1,"entries":[{"name":"../x","kind":"file","mode":420,"size":0,"mtime":0}]}',
  ]) {
    const handle = encodeHandle(await enc.encrypt(Buffer.from(junk), chunks))
    const version = (await root.load())!.version + 1n
    await root.save(version, sealRoot(key, handle))
    await assert.rejects(drive.liveSync.check(), /directory blob is invalid/)
    assert.equal(await text(drive, '/mine.txt'), 'still here')
    assert.deepEqual(await drive.readdir('/'), ['mine.txt'])
  }
})

test('edits inside a folder that is a file here land together in one folder beside the file', async (t) => {
  const key = newDriveKeys().encryptionKey
  const chunks = new MemoryChunkStore()
  const root = new MemoryRootStore()
  const open = async (device: string, commitDelayMs: number): Promise<Drive> => {
    const d = await Drive.open({
      dir: await tempDir(t),
      key,
      chunks,
      root,
      commitDelayMs,
      liveSyncMs: 0,
      device,
    })
    t.after(() => d.close())
    return d
  }
  const a = await open('desk', 20)
  // The laptop's own change stays unpublished until the desk's root has been merged.
  const b = await open('laptop', 60_000)
  await a.mkdir('/x', 0o755)
  await writeDriveFile(a, '/x/a.txt', Buffer.from('a0'))
  await writeDriveFile(a, '/x/b.txt', Buffer.from('b0'))
  assert.ok(await a.syncAll())
  await b.liveSync.check()
  for (const name of ['a.txt', 'b.txt']) await b.unlink(`/x/${name}`)
  await b.rmdir('/x')
  await writeDriveFile(b, '/x', Buffer.from('a file now'))
  await writeDriveFile(a, '/x/a.txt', Buffer.from('a1'))
  await writeDriveFile(a, '/x/b.txt', Buffer.from('b1'))
  assert.ok(await a.syncAll())
  await b.liveSync.check()
  const names = (await b.readdir('/')).sort()
  assert.equal(names.length, 2, names.join(', '))
  assert.equal(await text(b, '/x'), 'a file now')
  const folder = names.find((n) => n !== 'x')!
  assert.match(folder, /^x \(conflict, desk, /)
  assert.deepEqual((await b.readdir(`/${folder}`)).sort(), ['a.txt', 'b.txt'])
  assert.equal(await text(b, `/${folder}/b.txt`), 'b1')
})
