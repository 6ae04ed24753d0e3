import assert from 'node:assert/strict'
import { lstat, mkdtemp, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import { MIN_CAPACITY, Vault } from '../../../main/core/vault/index.ts'
import { DB_FLOOR, ROW_OVERHEAD, WAL_RESERVE } from '../../../main/core/vault/quota.ts'
import { tempDir } from '../../helpers.ts'
import { KiB, MiB, bytesOnDisk, chunkFiles, indexed } from './support.ts'

const BLOCK = 4096

/** `used` recomputed from the disk alone, with the vault's published rules. */
async function recomputeUsed(dir: string): Promise<number> {
  const roundUp = (n: number) => Math.ceil(n / BLOCK) * BLOCK
  const fileBytes = async (path: string) => {
    const s = await lstat(path)
    return Math.max(s.blocks * 512, roundUp(s.size))
  }
  const dirBytes = async (path: string) => (await lstat(path)).blocks * 512
  const files = await chunkFiles(dir)
  let used = 0
  for (const file of files.values()) used += await fileBytes(file)
  for (const sub of ['', 'chunks', 'tmp', 'quarantine']) used += await dirBytes(join(dir, sub))
  for (const shard of await readdir(join(dir, 'chunks'))) used += await dirBytes(join(dir, 'chunks', shard))
  for (const name of await readdir(join(dir, 'quarantine')))
    used += await fileBytes(join(dir, 'quarantine', name))
  for (const name of await readdir(dir)) {
    const bytes = name.startsWith('index.sqlite') ? await fileBytes(join(dir, name)) : 0
    if (name === 'index.sqlite') used += Math.max(bytes, DB_FLOOR + files.size * ROW_OVERHEAD)
    else if (name === 'index.sqlite-wal') used += Math.max(bytes, WAL_RESERVE)
    else used += bytes
  }
  if (!(await readdir(dir)).includes('index.sqlite-wal')) used += WAL_RESERVE
  return used
}

// A small pool of chunks so sequences put the same chunk twice and delete held ones.
const POOL_SIZES = [0, 1, 4095, 4096, 4097, 20 * KiB, 100 * KiB, 300 * KiB, 700 * KiB, 1 * MiB]
const pool = POOL_SIZES.map((size, i) => {
  const bytes = Buffer.alloc(size, i + 1)
  return { bytes, address: chunkAddress(bytes), hex: toHex(chunkAddress(bytes)) }
})

type Op = { kind: 'put' | 'delete'; chunk: number } | { kind: 'capacity'; bytes: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('put' as const), chunk: fc.nat(pool.length - 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), chunk: fc.nat(pool.length - 1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('capacity' as const),
      bytes: fc.integer({ min: MIN_CAPACITY, max: 4 * MiB }),
    }),
  },
)

test('any sequence of put, delete and setCapacity keeps used exact and index equal to disk', async (t) => {
  const parent = await tempDir(t)
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
      const vault = await Vault.open(await mkdtemp(join(parent, 'v-')), { capacity: 3 * MiB })
      try {
        const model = new Set<string>()
        for (const o of ops) {
          if (o.kind === 'capacity') {
            const { excess } = vault.setCapacity(o.bytes)
            assert.equal(excess, Math.max(0, vault.stats().used - o.bytes))
            continue
          }
          const c = pool[o.chunk]!
          if (o.kind === 'delete') {
            assert.equal(await vault.delete(c.address), model.delete(c.hex))
            continue
          }
          const wasHeld = model.has(c.hex)
          try {
            await vault.put(c.address, c.bytes)
            model.add(c.hex)
            // An admitted PUT never takes the vault over its cap.
            if (!wasHeld) assert.ok(vault.stats().used <= vault.stats().capacity)
          } catch (error) {
            assert.equal((error as Error).name, 'VaultFull')
            assert.equal(wasHeld, false, 'a held chunk is a no-op, never VaultFull')
          }
        }
        const stats = vault.stats()
        assert.equal(stats.used, await recomputeUsed(vault.dir))
        assert.ok(stats.used >= (await bytesOnDisk(vault.dir)))
        assert.deepEqual(indexed(vault), model)
        assert.deepEqual(new Set((await chunkFiles(vault.dir)).keys()), model)
        assert.equal(stats.chunks, model.size)
        assert.equal(
          stats.chunkBytes,
          pool.filter((c) => model.has(c.hex)).reduce((sum, c) => sum + c.bytes.byteLength, 0),
        )
      } finally {
        await vault.close()
      }
    }),
    { numRuns: 40 },
  )
})
