// A share's sealed record and index against in-memory stores: the link opens
// the newest state, a revoked or expired state opens nothing, the wrong key
// opens nothing, and links are parsed strictly. (The network test is
// share-network.test.ts.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { indexBytes } from '../../../main/core/apps/public-data.ts'
import { MemoryChunkStore, toHex } from '../../../main/core/chunk-store.ts'
import type { SignedRecord } from '../../../main/core/records/index.ts'
import { addressOf, verifyRecord } from '../../../main/core/records/index.ts'
import {
  openShare,
  parseShareLink,
  putShareState,
  shareKeys,
  shareLink,
} from '../../../main/core/share/index.ts'

/** Keeps the highest version of each record whose signature verifies. */
function recordTwin() {
  const kept = new Map<string, SignedRecord>()
  return {
    async get(address: Uint8Array) {
      return kept.get(toHex(address))
    },
    async put(record: SignedRecord) {
      assert.ok(verifyRecord(record), 'signed by its owner')
      const key = toHex(addressOf(record))
      const old = kept.get(key)
      if (!old || old.version < record.version) kept.set(key, record)
      return { stored: 4, holders: [] } as never
    },
  }
}

const seed = new Uint8Array(32).fill(3)
const content = (note: string) => ({
  kind: 'folder' as const,
  name: 'Trip',
  files: [
    { path: 'notes.txt', bytes: Buffer.from(note) },
    { path: 'photos/a.jpg', bytes: Buffer.alloc(5000, 1) },
  ],
})

test('the link opens the newest state; revoked and expired states and other keys open nothing', async () => {
  const chunks = new MemoryChunkStore()
  const records = recordTwin()
  const keys = shareKeys(seed, 'aa11bb22cc33dd44')
  const link = parseShareLink(shareLink(keys))
  await putShareState(chunks, records, keys, 1, {
    ...meta(),
    index: await indexBytes(chunks, content('one')),
  })
  assert.equal(text(await openShare(chunks, records, link)), 'one')
  await putShareState(chunks, records, keys, 2, {
    ...meta(),
    index: await indexBytes(chunks, content('two')),
  })
  assert.equal(text(await openShare(chunks, records, link)), 'two')

  const other = parseShareLink(shareLink(shareKeys(seed, 'ffffffffffffffff')))
  await assert.rejects(openShare(chunks, records, other), { name: 'ShareUnreadable' })
  await assert.rejects(openShare(chunks, records, { ...link, key: new Uint8Array(32) }), /does not open/)

  await putShareState(chunks, records, keys, 3, { ...meta(), index: null })
  await assert.rejects(openShare(chunks, records, link), { name: 'ShareRevoked' })

  const brief = shareKeys(seed, '0123456789abcdef')
  await putShareState(chunks, records, brief, 1, {
    ...meta(1_000),
    index: await indexBytes(chunks, content('short')),
  })
  const briefLink = parseShareLink(shareLink(brief))
  assert.equal(text(await openShare(chunks, records, briefLink, { now: 999 })), 'short')
  await assert.rejects(openShare(chunks, records, briefLink, { now: 1_000 }), { name: 'ShareExpired' })
})

test('share links are checked strictly, and each share has its own keys', () => {
  const a = shareKeys(seed, '1111111111111111')
  const b = shareKeys(seed, '2222222222222222')
  assert.notEqual(shareLink(a), shareLink(b))
  assert.equal(shareLink(a), shareLink(shareKeys(seed, '1111111111111111')), 'derived, not stored')
  const good = shareLink(a)
  assert.deepEqual(parseShareLink(`  ${good} `).owner, a.signer.publicKey)
  for (const bad of ['', 'pd1:abc', 'pds1:', `${good}A`, good.slice(0, -1), 42])
    assert.throws(() => parseShareLink(bad), { name: 'ShareLinkError' })
})

function meta(expires_at: number | null = null) {
  return { kind: 'folder' as const, name: 'Trip', expires_at }
}

function text(c: { files: { path: string; bytes: Uint8Array }[] }): string {
  return Buffer.from(c.files.find((f) => f.path === 'notes.txt')!.bytes).toString()
}
