import assert from 'node:assert/strict'
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { Vault } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { KiB, MiB, assertIndexMatchesDisk, randomChunk } from './support.ts'

const fileOf = (dir: string, hex: string) => join(dir, 'chunks', hex.slice(0, 2), hex)

test('opening repairs each leftover a crash can leave, and nothing else', async (t) => {
  const root = await tempDir(t)
  const dir = join(root, 'vault')
  const kept = randomChunk(20 * KiB)
  const lost = randomChunk(20 * KiB)
  const vault = await Vault.open(dir, { capacity: 16 * MiB })
  await vault.put(kept.address, kept.bytes)
  await vault.put(lost.address, lost.bytes)
  await vault.close()

  // A chunk written and renamed but never indexed (crash between rename and insert).
  const orphan = randomChunk(30 * KiB)
  const donor = await Vault.open(join(root, 'donor'), { capacity: 16 * MiB })
  await donor.put(orphan.address, orphan.bytes)
  await donor.close()
  await mkdir(join(dir, 'chunks', orphan.hex.slice(0, 2)), { recursive: true })
  await copyFile(fileOf(join(root, 'donor'), orphan.hex), fileOf(dir, orphan.hex))
  // A file under a chunk name whose bytes are not that chunk (must never be adopted).
  const fake = randomChunk(10 * KiB)
  await mkdir(join(dir, 'chunks', fake.hex.slice(0, 2)), { recursive: true })
  await writeFile(fileOf(dir, fake.hex), fake.bytes.subarray(0, 5 * KiB))
  // An indexed chunk whose file is gone, unfinished writes, and strays.
  await rm(fileOf(dir, lost.hex))
  await writeFile(join(dir, 'tmp', 'a1b2c3'), 'half a chunk')
  await writeFile(join(dir, 'tmp', 'd4e5f6'), '')
  await writeFile(join(dir, 'chunks', 'not-a-shard'), 'x')
  await writeFile(join(dir, 'chunks', kept.hex.slice(0, 2), 'not-a-chunk'), 'x')

  const reopened = await Vault.open(dir)
  t.after(() => reopened.close())
  assert.deepEqual(reopened.recovery, { tmpCleared: 2, rowsDropped: 1, adopted: 1, deleted: 1, strays: 2 })
  const held = await assertIndexMatchesDisk(reopened)
  assert.deepEqual([...held].sort(), [kept.hex, orphan.hex].sort())
  assert.deepEqual(Buffer.from(await reopened.get(orphan.address)), Buffer.from(orphan.bytes))
  await assert.rejects(reopened.get(lost.address), { name: 'ChunkMissing' })
  assert.equal(await reopened.has(fake.address), false)
  assert.equal(reopened.stats().chunks, 2)
  assert.equal(reopened.stats().chunkBytes, 50 * KiB)
  assert.deepEqual(await readdir(join(dir, 'tmp')), [])
})

test('a chunk file removed behind the vault’s back reads as missing and leaves the index', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 16 * MiB })
  t.after(() => vault.close())
  const c = randomChunk(4 * KiB)
  await vault.put(c.address, c.bytes)
  await rm(fileOf(vault.dir, c.hex))
  await assert.rejects(vault.get(c.address), { name: 'ChunkMissing' })
  assert.equal(await vault.has(c.address), false)
  assert.equal(vault.stats().chunks, 0)
})
