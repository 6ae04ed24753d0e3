import assert from 'node:assert/strict'
import { open, readdir, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { CorruptChunkEvent } from '../../../main/core/vault/index.ts'
import { Vault } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { KiB, MiB, assertIndexMatchesDisk, bytesOnDisk, randomChunk } from './support.ts'

const fileOf = (dir: string, hex: string) => join(dir, 'chunks', hex.slice(0, 2), hex)

async function flipByte(path: string, at: number): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    const one = Buffer.alloc(1)
    await handle.read(one, 0, 1, at)
    one[0] = one[0]! ^ 0x40
    await handle.write(one, 0, 1, at)
  } finally {
    await handle.close()
  }
}

for (const [kind, damage] of [
  ['a flipped byte', (path: string) => flipByte(path, 1234)],
  ['a truncated file', (path: string) => truncate(path, 7 * KiB)],
] as const) {
  test(`a chunk with ${kind} is quarantined, reported and never served`, async (t) => {
    const events: CorruptChunkEvent[] = []
    const dir = join(await tempDir(t), 'vault')
    const vault = await Vault.open(dir, { capacity: 16 * MiB, onCorrupt: (e) => events.push(e) })
    t.after(() => vault.close())
    const bad = randomChunk(40 * KiB)
    const good = randomChunk(40 * KiB)
    await vault.put(bad.address, bad.bytes)
    await vault.put(good.address, good.bytes)
    const before = vault.stats()

    await damage(fileOf(dir, bad.hex))
    await assert.rejects(vault.get(bad.address), (error: Error) => {
      assert.equal(error.name, 'ChunkCorrupt')
      assert.match(error.message, new RegExp(bad.hex))
      return true
    })

    const quarantined = await readdir(join(dir, 'quarantine'))
    assert.equal(quarantined.length, 1)
    assert.ok(quarantined[0]!.startsWith(bad.hex))
    assert.equal(events.length, 1)
    assert.equal(events[0]!.address, bad.hex)
    assert.equal(events[0]!.quarantinedTo, join(dir, 'quarantine', quarantined[0]!))

    assert.equal(await vault.has(bad.address), false)
    await assert.rejects(vault.get(bad.address), { name: 'ChunkMissing' })
    const after = vault.stats()
    assert.equal(after.chunks, before.chunks - 1)
    assert.equal(after.chunkBytes, before.chunkBytes - 40 * KiB)
    assert.equal(after.corrupt, 1)
    assert.ok(after.quarantinedBytes > 0)
    // The quarantined file still takes disk, so it still counts against the cap.
    assert.ok(after.used >= (await bytesOnDisk(dir)))
    assert.deepEqual(Buffer.from(await vault.get(good.address)), Buffer.from(good.bytes))
    await assertIndexMatchesDisk(vault)

    // The chunk can be stored again, and the quarantine emptied to give its space back.
    await vault.put(bad.address, bad.bytes)
    assert.deepEqual(Buffer.from(await vault.get(bad.address)), Buffer.from(bad.bytes))
    assert.equal(await vault.purgeQuarantine(), 1)
    assert.equal(vault.stats().corrupt, 0)
    assert.equal(vault.stats().quarantinedBytes, 0)
    assert.deepEqual(await readdir(join(dir, 'quarantine')), [])
  })
}

test('quarantined chunks still count after a reopen', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const vault = await Vault.open(dir, { capacity: 16 * MiB })
  const c = randomChunk(12 * KiB)
  await vault.put(c.address, c.bytes)
  await flipByte(fileOf(dir, c.hex), 0)
  await assert.rejects(vault.get(c.address), { name: 'ChunkCorrupt' })
  await vault.close()
  const again = await Vault.open(dir)
  t.after(() => again.close())
  assert.equal(again.stats().corrupt, 1)
  assert.equal(again.stats().chunks, 0)
  assert.ok(again.stats().quarantinedBytes >= 12 * KiB)
})

test('an onCorrupt hook that throws does not change the outcome', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const vault = await Vault.open(dir, {
    capacity: 16 * MiB,
    onCorrupt: () => {
      throw new Error('hook failed')
    },
  })
  t.after(() => vault.close())
  const c = randomChunk(5 * KiB)
  await vault.put(c.address, c.bytes)
  await flipByte(fileOf(dir, c.hex), 10)
  await assert.rejects(vault.get(c.address), { name: 'ChunkCorrupt' })
})
