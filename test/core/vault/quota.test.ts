import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import { Vault } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { KiB, MiB, assertIndexMatchesDisk, bytesOnDisk, randomChunk } from './support.ts'

/** Puts random chunks until the vault refuses several in a row; returns what it holds. */
async function fill(vault: Vault, maxSize: number): Promise<Uint8Array[]> {
  const held: Uint8Array[] = []
  let refusedInARow = 0
  while (refusedInARow < 8) {
    const c = randomChunk(randomInt(1, maxSize))
    try {
      await vault.put(c.address, c.bytes)
      held.push(c.address)
      refusedInARow = 0
      assert.equal(vault.stats().excess, 0, 'an admitted PUT never takes the vault over its cap')
    } catch (error) {
      assert.equal((error as Error).name, 'VaultFull')
      refusedInARow++
    }
  }
  return held
}

test('a full vault refuses PUTs with VaultFull and never takes more disk than donated', async (t) => {
  const capacity = 8 * MiB
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity })
  t.after(() => vault.close())

  const held = await fill(vault, 600 * KiB)
  // Top up with small chunks, which is where per-chunk overheads add up.
  held.push(...(await fill(vault, 8 * KiB)))

  const c = randomChunk(512 * KiB)
  await assert.rejects(vault.put(c.address, c.bytes), (error: Error) => {
    assert.equal(error.name, 'VaultFull')
    assert.match(error.message, /needs .* but only .* free/)
    return true
  })

  const stats = vault.stats()
  const real = await bytesOnDisk(vault.dir)
  assert.ok(real <= capacity, `vault dir takes ${real} bytes on disk, over its ${capacity} capacity`)
  assert.ok(stats.used >= real, `used (${stats.used}) must bound the real ${real} bytes`)
  assert.ok(stats.used <= capacity)
  // The accounting is conservative, not wasteful: most of the donation holds chunks.
  assert.ok(stats.chunkBytes > capacity * 0.6, `only ${stats.chunkBytes} bytes of chunks in ${capacity}`)
  assert.equal(stats.chunks, held.length)
  await assertIndexMatchesDisk(vault)

  // Still within the cap after a reopen (the index was checkpointed and reopened).
  await vault.close()
  const again = await Vault.open(vault.dir)
  t.after(() => again.close())
  assert.ok((await bytesOnDisk(again.dir)) <= capacity)
  assert.equal(again.stats().chunks, held.length)
})

test('lowering the capacity reports the excess and refuses PUTs until it is handed off', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 8 * MiB })
  t.after(() => vault.close())
  for (let i = 0; i < 20; i++) {
    const c = randomChunk(200 * KiB)
    await vault.put(c.address, c.bytes)
  }
  const { excess } = vault.setCapacity(2 * MiB)
  assert.equal(excess, vault.stats().used - 2 * MiB)
  assert.ok(excess > 2 * MiB)
  assert.equal(vault.stats().excess, excess)
  assert.equal(vault.stats().free, 0)
  const small = randomChunk(10)
  await assert.rejects(vault.put(small.address, small.bytes), (error: Error) => {
    assert.equal(error.name, 'VaultFull')
    assert.match(error.message, /over its capacity/)
    return true
  })

  // What a hand-off does: walk the addresses and delete until under the cap.
  for (const address of vault.addresses()) {
    if (vault.stats().excess === 0) break
    assert.equal(await vault.delete(address), true)
  }
  assert.equal(vault.stats().excess, 0)
  assert.ok((await bytesOnDisk(vault.dir)) <= 2 * MiB)

  assert.deepEqual(vault.setCapacity(8 * MiB), { excess: 0 })
  const c = randomChunk(500 * KiB)
  await vault.put(c.address, c.bytes)
  assert.equal(await vault.has(c.address), true)
})

test('raising the capacity of a full vault lets PUTs in again', async (t) => {
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity: 2 * MiB })
  t.after(() => vault.close())
  await fill(vault, 300 * KiB)
  const c = randomChunk(300 * KiB)
  await assert.rejects(vault.put(c.address, c.bytes), { name: 'VaultFull' })
  vault.setCapacity(4 * MiB)
  await vault.put(c.address, c.bytes)
  assert.ok((await bytesOnDisk(vault.dir)) <= 4 * MiB)
})

test('concurrent PUTs cannot jointly overshoot the cap', async (t) => {
  const capacity = 4 * MiB
  const vault = await Vault.open(join(await tempDir(t), 'vault'), { capacity })
  t.after(() => vault.close())
  const chunks = Array.from({ length: 60 }, () => randomChunk(randomInt(1, 200 * KiB)))
  const results = await Promise.allSettled(chunks.map((c) => vault.put(c.address, c.bytes)))
  const refused = results.filter((r) => r.status === 'rejected')
  assert.ok(refused.length > 0)
  for (const r of refused) assert.equal((r.reason as Error).name, 'VaultFull')
  assert.ok((await bytesOnDisk(vault.dir)) <= capacity)
  assert.ok(vault.stats().used <= capacity)
  await assertIndexMatchesDisk(vault)
})
