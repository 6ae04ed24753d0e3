// The drive's chunk cache on disk: recent chunks are trimmed least recently
// used first to a limit read on every eviction; kept chunks are never
// evicted; both survive a restart; a damaged chunk is dropped, not served.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import { DiskChunks } from '../../../main/core/drive/disk-chunks.ts'
import { tempDir } from '../../helpers.ts'

const chunk = () => {
  const bytes = randomBytes(1000)
  return { bytes, address: chunkAddress(bytes), hex: toHex(chunkAddress(bytes)) }
}

test('recent chunks are evicted least recently used first; kept ones stay, across a restart', async (t) => {
  const dir = join(await tempDir(t), 'cache')
  let limit = 3000
  const disk = new DiskChunks(dir, () => limit)
  const [a, b, c, d, k] = [chunk(), chunk(), chunk(), chunk(), chunk()]
  await disk.write(k.hex, k.bytes, 'kept')
  for (const x of [a, b, c]) await disk.write(x.hex, x.bytes, 'recent')
  // a read makes `a` the most recently used: `b` goes when `d` comes
  assert.ok(await disk.read(a.hex, a.address))
  await disk.write(d.hex, d.bytes, 'recent')
  assert.equal(disk.tierOf(b.hex), undefined)
  assert.deepEqual((await readdir(join(dir, 'recent'))).sort(), [a.hex, c.hex, d.hex].sort())
  assert.equal(disk.tierOf(k.hex), 'kept')
  assert.equal((await stat(join(dir, 'kept', k.hex))).mode & 0o777, 0o600)
  assert.equal((await stat(dir)).mode & 0o777, 0o700)

  limit = 1000
  await disk.trim()
  assert.equal(disk.usage().cached_chunks, 1)
  assert.equal(disk.usage().kept_bytes, 1000)

  const again = new DiskChunks(dir, () => limit)
  await again.ready
  assert.equal(again.tierOf(k.hex), 'kept')
  assert.equal(again.usage().cached_chunks, 1)
  assert.ok(k.bytes.equals((await again.read(k.hex, k.address))!))

  // damaged on disk: refused and removed
  await writeFile(join(dir, 'kept', k.hex), randomBytes(1000))
  assert.equal(await again.read(k.hex, k.address), undefined)
  assert.equal(again.tierOf(k.hex), undefined)
})
