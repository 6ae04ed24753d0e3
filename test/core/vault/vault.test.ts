import assert from 'node:assert/strict'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import { DEFAULT_CAPACITY, MIN_CAPACITY, Vault } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { KiB, MiB, assertIndexMatchesDisk, chunkFiles, randomChunk } from './support.ts'

test('put, get, has and delete round-trip through real files', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 64 * MiB })
  t.after(() => vault.close())
  const a = randomChunk(300 * KiB)
  const b = randomChunk(0)

  assert.equal(await vault.has(a.address), false)
  await vault.put(a.address, a.bytes)
  await vault.put(b.address, b.bytes)
  assert.equal(await vault.has(a.address), true)
  assert.deepEqual(Buffer.from(await vault.get(a.address)), Buffer.from(a.bytes))
  assert.equal((await vault.get(b.address)).byteLength, 0)

  const files = await chunkFiles(vault.dir)
  assert.equal(files.get(a.hex), join(vault.dir, 'chunks', a.hex.slice(0, 2), a.hex))
  assert.deepEqual(vault.stats().chunks, 2)
  assert.equal(vault.stats().chunkBytes, 300 * KiB)

  assert.equal(await vault.delete(a.address), true)
  assert.equal(await vault.delete(a.address), false)
  assert.equal(await vault.has(a.address), false)
  await assert.rejects(vault.get(a.address), { name: 'ChunkMissing' })
  assert.equal(vault.stats().chunks, 1)
  await assertIndexMatchesDisk(vault)
})

test('a put whose bytes do not hash to the address is refused and leaves nothing behind', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 16 * MiB })
  t.after(() => vault.close())
  const a = randomChunk(10 * KiB)
  const wrong = randomChunk(10 * KiB)
  const before = vault.stats().used

  await assert.rejects(vault.put(a.address, wrong.bytes), { name: 'ChunkHashMismatch' })
  assert.equal(await vault.has(a.address), false)
  assert.equal(vault.stats().chunks, 0)
  assert.deepEqual(await readdir(join(vault.dir, 'tmp')), [])
  assert.equal((await chunkFiles(vault.dir)).size, 0)
  // The new shard directory is real disk, so it may count; the chunk must not.
  assert.ok(vault.stats().used - before < 10 * KiB)

  // Also refused when the address is already held.
  await vault.put(a.address, a.bytes)
  await assert.rejects(vault.put(a.address, wrong.bytes), { name: 'ChunkHashMismatch' })
  assert.deepEqual(Buffer.from(await vault.get(a.address)), Buffer.from(a.bytes))
})

test('a missing chunk is ChunkMissing, naming the address', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 16 * MiB })
  t.after(() => vault.close())
  const a = randomChunk(100)
  await assert.rejects(vault.get(a.address), (error: Error) => {
    assert.equal(error.name, 'ChunkMissing')
    assert.match(error.message, new RegExp(a.hex))
    return true
  })
})

test('a second put of a held chunk is a no-op that does not rewrite the file', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 16 * MiB })
  t.after(() => vault.close())
  const a = randomChunk(64 * KiB)
  await vault.put(a.address, a.bytes)
  const file = join(vault.dir, 'chunks', a.hex.slice(0, 2), a.hex)
  const first = await stat(file)
  const used = vault.stats().used
  await vault.put(a.address, a.bytes)
  await Promise.all([vault.put(a.address, a.bytes), vault.put(a.address, a.bytes)])
  const second = await stat(file)
  assert.equal(second.ino, first.ino)
  assert.equal(second.mtimeMs, first.mtimeMs)
  assert.equal(vault.stats().chunks, 1)
  assert.equal(vault.stats().used, used)
})

test('concurrent puts of different chunks all land, and index matches disk', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 64 * MiB })
  t.after(() => vault.close())
  const chunks = Array.from({ length: 40 }, (_, i) => randomChunk(1 + i * 3000))
  await Promise.all(chunks.map((c) => vault.put(c.address, c.bytes)))
  const held = await assertIndexMatchesDisk(vault)
  assert.equal(held.size, 40)
  for (const c of chunks) assert.deepEqual(Buffer.from(await vault.get(c.address)), Buffer.from(c.bytes))
})

test('chunks and capacity persist across close and reopen', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const chunks = Array.from({ length: 5 }, (_, i) => randomChunk(i * 50 * KiB + 1))
  const first = await Vault.open(dir, { capacity: 20 * MiB })
  for (const c of chunks) await first.put(c.address, c.bytes)
  const statsBefore = first.stats()
  await first.close()

  const second = await Vault.open(dir)
  t.after(() => second.close())
  assert.equal(second.stats().capacity, 20 * MiB)
  assert.equal(second.stats().chunks, 5)
  assert.equal(second.stats().chunkBytes, statsBefore.chunkBytes)
  assert.deepEqual(second.recovery, { tmpCleared: 0, rowsDropped: 0, adopted: 0, deleted: 0, strays: 0 })
  for (const c of chunks) assert.deepEqual(Buffer.from(await second.get(c.address)), Buffer.from(c.bytes))
})

test('a capacity set at run time is persisted; a new vault without one gets the default', async (t) => {
  const root = await tempDir(t)
  const fresh = await Vault.open(join(root, 'fresh'))
  assert.equal(fresh.stats().capacity, DEFAULT_CAPACITY)
  fresh.setCapacity(12 * MiB)
  await fresh.close()
  const again = await Vault.open(join(root, 'fresh'))
  assert.equal(again.stats().capacity, 12 * MiB)
  await again.close()
  const overridden = await Vault.open(join(root, 'fresh'), { capacity: 30 * MiB })
  assert.equal(overridden.stats().capacity, 30 * MiB)
  await overridden.close()
})

test('capacities too small for the index, or not whole bytes, are a UsageError', async (t) => {
  const root = await tempDir(t)
  for (const capacity of [0, 4096, MIN_CAPACITY - 1, -5, 1.5, Number.NaN]) {
    await assert.rejects(Vault.open(join(root, 'small'), { capacity }), (error: Error) => {
      assert.equal(error.name, 'UsageError')
      assert.doesNotMatch(error.message, /\n/)
      return true
    })
  }
  await assert.rejects(Vault.open(join(root, 'small'), { capacity: 4096 }), /too small.*at least 1\.00 MiB/)
  // Nothing was created for a refused open.
  assert.deepEqual(await readdir(root), [])

  const vault = await Vault.open(join(root, 'ok'), { capacity: MIN_CAPACITY })
  t.after(() => vault.close())
  assert.throws(() => vault.setCapacity(1000), { name: 'UsageError' })
  assert.equal(vault.stats().capacity, MIN_CAPACITY)
})

test('addresses() lists every held chunk, and tolerates deletes while iterating', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 64 * MiB })
  t.after(() => vault.close())
  const chunks = Array.from({ length: 30 }, () => randomChunk(100))
  for (const c of chunks) await vault.put(c.address, c.bytes)
  const seen: string[] = []
  for (const address of vault.addresses()) {
    seen.push(toHex(address))
    await vault.delete(address)
  }
  assert.deepEqual(seen, chunks.map((c) => c.hex).sort())
  assert.equal(vault.stats().chunks, 0)
})

test('a vault open in one place cannot be opened again until closed', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const first = await Vault.open(dir, { capacity: 8 * MiB })
  await assert.rejects(Vault.open(dir), (error: Error) => {
    assert.equal(error.name, 'VaultBusy')
    assert.doesNotMatch(error.message, /\n/)
    return true
  })
  await first.close()
  const second = await Vault.open(dir)
  await second.close()
})

test('a closed vault refuses operations with VaultClosed', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 8 * MiB })
  const a = randomChunk(10)
  const pending = vault.put(a.address, a.bytes)
  await vault.close()
  await pending
  await assert.rejects(vault.put(a.address, a.bytes), { name: 'VaultClosed' })
  await assert.rejects(vault.get(a.address), { name: 'VaultClosed' })
  assert.throws(() => vault.stats(), { name: 'VaultClosed' })
})

test('addresses must be 32 bytes', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 8 * MiB })
  t.after(() => vault.close())
  const bytes = Buffer.from('x')
  await assert.rejects(vault.put(chunkAddress(bytes).subarray(0, 31), bytes), TypeError)
  await assert.rejects(vault.get(new Uint8Array(33)), TypeError)
})
