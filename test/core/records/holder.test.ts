// The holder's rules on a real vault directory: only owner-signed records,
// only at their own address, only ever moving to a higher version, within the
// vault's hard cap.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { Vault, MIN_CAPACITY } from '../../../main/core/vault/index.ts'
import {
  MAX_PAYLOAD_BYTES,
  OwnerKey,
  addressOf,
  encodeRecord,
  signRecord,
} from '../../../main/core/records/index.ts'
import type { SignedRecord } from '../../../main/core/records/index.ts'
import { tempDir } from '../../helpers.ts'
import { bytesOnDisk } from '../vault/support.ts'

async function openVault(t: TestContext, capacity = 64 * 2 ** 20) {
  const dir = join(await tempDir(t), 'vault')
  const vault = await Vault.open(dir, { capacity })
  t.after(() => vault.close())
  return { dir, vault }
}

const owner = OwnerKey.generate()
const v1 = signRecord(owner, { name: 'drive-root', version: 1, payload: Buffer.from('first') })
const v2 = signRecord(owner, { name: 'drive-root', version: 2, payload: Buffer.from('second') })
const address = addressOf(v1)

test('a signed record is stored, read back and listed; the same record again changes nothing', async (t) => {
  const { vault } = await openVault(t)
  assert.equal(await vault.getRecord(address), undefined)
  assert.equal(await vault.putRecord(v1), 'stored')
  assert.deepEqual(await vault.getRecord(address), v1)
  assert.deepEqual([...vault.recordAddresses()], [Buffer.from(address)])
  assert.equal(await vault.putRecord(v1, address), 'unchanged')
  assert.equal(vault.stats().records, 1)
  assert.equal(vault.stats().recordBytes, encodeRecord(v1).byteLength)
  assert.equal(vault.stats().chunks, 0)
  assert.equal(await vault.putRecord(v2), 'stored')
  assert.deepEqual(await vault.getRecord(address), v2)
  assert.equal(vault.stats().records, 1)
  assert.equal(vault.stats().recordBytes, encodeRecord(v2).byteLength)
})

test('a forged signature, or a record signed by another key than its owner, is RecordBadSignature', async (t) => {
  const { vault } = await openVault(t)
  const mallory = OwnerKey.generate()
  const forged: SignedRecord[] = [
    { ...v2, payload: Buffer.from('evil!!') },
    { ...v2, signature: new Uint8Array(64) },
    // signed by mallory, claiming the owner's key (and so the owner's address)
    {
      ...signRecord(mallory, { name: 'drive-root', version: 9, payload: Buffer.from('evil') }),
      owner: owner.publicKey,
    },
  ]
  for (const record of forged) {
    await assert.rejects(vault.putRecord(record), { name: 'RecordBadSignature' })
    await assert.rejects(vault.putRecord(record, address), { name: 'RecordBadSignature' })
  }
  assert.equal(vault.stats().records, 0)
  await vault.putRecord(v1)
  for (const record of forged) await assert.rejects(vault.putRecord(record), { name: 'RecordBadSignature' })
  assert.deepEqual(await vault.getRecord(address), v1)
})

test('a validly signed record offered at another address is RecordInvalid', async (t) => {
  const { vault } = await openVault(t)
  const mallory = OwnerKey.generate()
  const theirs = signRecord(mallory, { name: 'drive-root', version: 9, payload: Buffer.from('evil') })
  await assert.rejects(vault.putRecord(theirs, address), { name: 'RecordInvalid' })
  assert.equal(await vault.getRecord(address), undefined)
  // under its own address it is just another owner's record
  assert.equal(await vault.putRecord(theirs, addressOf(theirs)), 'stored')
  assert.equal(await vault.getRecord(address), undefined)
})

test('a replayed older version and a different record at the held version are RecordStale', async (t) => {
  const { vault } = await openVault(t)
  await vault.putRecord(v2)
  await assert.rejects(vault.putRecord(v1), (err: Error & { held?: bigint; offered?: bigint }) => {
    assert.equal(err.name, 'RecordStale')
    assert.equal(err.held, 2n)
    assert.equal(err.offered, 1n)
    assert.match(err.message, /older than the held version 2/)
    return true
  })
  const rival = signRecord(owner, { name: 'drive-root', version: 2, payload: Buffer.from('rival') })
  await assert.rejects(vault.putRecord(rival), (err: Error) => {
    assert.equal(err.name, 'RecordStale')
    assert.match(err.message, /already held with other contents/)
    return true
  })
  assert.deepEqual(await vault.getRecord(address), v2)
})

test('an oversize payload or malformed fields are RecordInvalid and store nothing', async (t) => {
  const { vault } = await openVault(t)
  const oversize = { ...v1, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) }
  await assert.rejects(vault.putRecord(oversize), { name: 'RecordInvalid' })
  await assert.rejects(vault.putRecord({ ...v1, name: new Uint8Array(65) }), { name: 'RecordInvalid' })
  await assert.rejects(vault.putRecord({ ...v1, owner: new Uint8Array(31) }), { name: 'RecordInvalid' })
  await assert.rejects(vault.putRecord({ ...v1, signature: new Uint8Array(3) }), { name: 'RecordInvalid' })
  await assert.rejects(vault.putRecord(v1, new Uint8Array(31)), TypeError)
  assert.equal(vault.stats().records, 0)
})

test('records count against the hard cap; a full vault refuses them with VaultFull and stays under its cap', async (t) => {
  const { dir, vault } = await openVault(t, MIN_CAPACITY)
  const before = vault.stats().used
  let stored = 0
  let refused: Error | undefined
  for (let i = 0; i < 64 && !refused; i++) {
    const record = signRecord(owner, {
      name: `big-${i}`,
      version: 1,
      payload: new Uint8Array(MAX_PAYLOAD_BYTES),
    })
    try {
      await vault.putRecord(record)
      stored++
    } catch (err) {
      refused = err as Error
    }
  }
  assert.equal(refused?.name, 'VaultFull')
  assert.ok(stored >= 2, `only ${stored} records fit`)
  const stats = vault.stats()
  assert.equal(stats.records, stored)
  assert.ok(stats.used - before >= stored * MAX_PAYLOAD_BYTES)
  assert.ok(stats.used <= stats.capacity)
  assert.ok((await bytesOnDisk(dir)) <= MIN_CAPACITY, 'vault directory over its cap')
  await vault.close()
  assert.ok((await bytesOnDisk(dir)) <= MIN_CAPACITY, 'vault directory over its cap after close')
})

test('records persist across close and reopen, and a damaged row reads as absent and is dropped', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const first = await Vault.open(dir, { capacity: 16 * 2 ** 20 })
  await first.putRecord(v2)
  const other = signRecord(owner, { name: 'other', version: 3 })
  await first.putRecord(other)
  await first.close()

  const second = await Vault.open(dir)
  assert.deepEqual(await second.getRecord(address), v2)
  assert.equal(second.stats().records, 2)
  assert.equal(second.stats().recordBytes, encodeRecord(v2).byteLength + encodeRecord(other).byteLength)
  await second.close()

  const db = new Database(join(dir, 'index.sqlite'))
  db.prepare('UPDATE records SET record = ? WHERE address = ?').run(
    Buffer.from('garbage'),
    Buffer.from(address),
  )
  db.close()
  const third = await Vault.open(dir)
  t.after(() => third.close())
  assert.equal(await third.getRecord(address), undefined)
  assert.equal(third.stats().records, 1)
  assert.deepEqual([...third.recordAddresses()], [Buffer.from(addressOf(other))])
  // what was damaged can be stored again, even at a lower version
  assert.equal(await third.putRecord(v1), 'stored')
})

test('an index from before records gains the records table when opened', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const first = await Vault.open(dir, { capacity: 16 * 2 ** 20 })
  await first.close()
  const db = new Database(join(dir, 'index.sqlite'))
  db.exec('DROP TABLE records; PRAGMA user_version = 1')
  db.close()
  const vault = await Vault.open(dir)
  t.after(() => vault.close())
  assert.equal(vault.stats().records, 0)
  assert.equal(await vault.putRecord(v1), 'stored')
})
