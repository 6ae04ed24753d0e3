// Public data over an in-memory chunk store: what is published comes back
// byte for byte by its address, and what a stranger's index could smuggle in
// (a wrong address, paths out of the folder) is refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryChunkStore, chunkAddress } from '../../../main/core/chunk-store.ts'
import { fetchPublic, parsePublicAddress, publish, safeRelative } from '../../../main/core/apps/index.ts'

test('a published folder comes back by its address, and the address carries no key', async () => {
  const store = new MemoryChunkStore()
  const big = Buffer.alloc(3 * 2 ** 20, 7)
  const address = await publish(store, {
    kind: 'folder',
    name: 'Album',
    files: [
      { path: 'a.txt', bytes: Buffer.from('first') },
      { path: 'photos/big.bin', bytes: big },
    ],
  })
  assert.match(address, /^pd1:[A-Za-z0-9_-]{43}$/)
  const back = await fetchPublic(store, address)
  assert.equal(back.kind, 'folder')
  assert.equal(back.name, 'Album')
  assert.deepEqual(
    back.files.map((f) => [f.path, Buffer.from(f.bytes).length]),
    [
      ['a.txt', 5],
      ['photos/big.bin', big.length],
    ],
  )
  assert.ok(Buffer.from(back.files[1]!.bytes).equals(big))
  // the address is the index chunk's hash: 32 bytes, nothing else
  assert.equal(parsePublicAddress(address).length, 32)
  await assert.rejects(fetchPublic(store, address, { maxBytes: 1000 }), /more than 1000/)
})

test('bad addresses and hostile indexes are refused', async () => {
  const store = new MemoryChunkStore()
  for (const bad of ['', 'pd1:', 'pd2:abc', `pd1:${'A'.repeat(42)}`, `pd1:${'A'.repeat(44)}`, 42])
    assert.throws(() => parsePublicAddress(bad), /not a public address/)
  const hostile = Buffer.from(
    JSON.stringify({
      format: 'peerdrive-public/1',
      kind: 'folder',
      name: 'x',
      files: [{ path: '../../.bashrc', size: 1, map: '' }],
    }),
  )
  const digest = chunkAddress(hostile)
  await store.put(digest, hostile)
  await assert.rejects(
    fetchPublic(store, `pd1:${Buffer.from(digest).toString('base64url')}`),
    /not a PeerDrive public index/,
  )
  const junk = Buffer.from('not json')
  await store.put(chunkAddress(junk), junk)
  await assert.rejects(
    fetchPublic(store, `pd1:${Buffer.from(chunkAddress(junk)).toString('base64url')}`),
    /not readable/,
  )
  for (const p of ['..', 'a/../b', '/abs', 'a//b', 'a\\b']) assert.equal(safeRelative(p), false, p)
  assert.equal(safeRelative('a/b.txt'), true)
})

test("an app's index names its developer, whose reads of the files are run under it; a bad one is refused", async () => {
  const store = new MemoryChunkStore()
  const developer = 'cd'.repeat(32)
  const content = { kind: 'file' as const, name: 'song', files: [{ path: '', bytes: Buffer.alloc(5000, 7) }] }
  const address = await publish(store, content, { developer })
  const named: string[] = []
  const back = await fetchPublic(store, address, {
    readingFor: (wallet, work) => {
      named.push(wallet)
      return work()
    },
  })
  assert.deepEqual(Buffer.from(back.files[0]!.bytes), content.files[0]!.bytes)
  assert.deepEqual(named, [developer])
  const plain = await publish(store, content)
  named.length = 0
  await fetchPublic(store, plain, { readingFor: (w, work) => (named.push(w), work()) })
  assert.deepEqual(named, [], 'data no app published names no one')

  const forged = Buffer.from(
    JSON.stringify({ format: 'peerdrive-public/1', kind: 'folder', name: 'x', files: [], developer: 'me' }),
  )
  await store.put(chunkAddress(forged), forged)
  await assert.rejects(
    fetchPublic(store, `pd1:${Buffer.from(chunkAddress(forged)).toString('base64url')}`),
    /not a PeerDrive public index/,
  )
})
