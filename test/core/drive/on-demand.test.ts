// Keep and free on a drive over an in-memory network that can be cut off: a
// kept folder keeps what comes into it later, the choice follows a rename, a
// file freed inside a kept folder is online only, and kept files read with
// the network gone, also after the drive is opened again.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { ChunkMissingError, MemoryChunkStore } from '../../../main/core/chunk-store.ts'
import { Drive, MemoryRootStore, newDriveKeys } from '../../../main/core/drive/index.ts'
import { tempDir } from '../../helpers.ts'
import { waitFor } from '../net/support.ts'

async function writeFile(drive: Drive, path: string, bytes: Uint8Array): Promise<void> {
  const fh = await drive.create(path, 0o644)
  await drive.write(fh, 0, bytes)
  await drive.release(fh)
}

async function readAll(drive: Drive, path: string): Promise<Buffer> {
  const size = (await drive.getattr(path)).size
  const fh = await drive.open(path, { write: false })
  try {
    return Buffer.from(await drive.read(fh, 0, size))
  } finally {
    await drive.release(fh)
  }
}

test('a kept folder keeps new files, follows a rename, lets one file go, and reads offline', async (t) => {
  const memory = new MemoryChunkStore()
  let online = true
  const chunks = {
    put: (a: Uint8Array, b: Uint8Array) => memory.put(a, b),
    get: (a: Uint8Array) => (online ? memory.get(a) : Promise.reject(new ChunkMissingError(a))),
  }
  const opts = {
    dir: await tempDir(t),
    key: newDriveKeys().encryptionKey,
    chunks,
    root: new MemoryRootStore(),
    commitDelayMs: 20,
  }
  let drive = await Drive.open(opts)
  t.after(() => drive.close().catch(() => {}))
  const a = randomBytes(300_000)
  const b = randomBytes(5 * 2 ** 20)
  const loose = randomBytes(200_000)
  await drive.mkdir('/photos', 0o755)
  await writeFile(drive, '/photos/a.bin', a)
  await writeFile(drive, '/loose.bin', loose)
  assert.ok(await drive.syncAll())

  assert.deepEqual(await drive.onDemand.keep('/photos'), {
    path: '/photos',
    files: 1,
    bytes: a.length,
    missing: 0,
  })
  await writeFile(drive, '/photos/b.bin', b)
  assert.ok(await drive.syncAll())
  await waitFor(
    async () => drive.onDemand.usage().kept_files === 2,
    30_000,
    'the new file in the kept folder to be kept',
  )
  assert.ok(drive.onDemand.usage().kept_bytes >= a.length + b.length)

  await drive.rename('/photos', '/album')
  assert.equal(drive.onDemand.isKept('/album/a.bin'), true, 'the choice follows the rename')
  assert.equal(drive.onDemand.isKept('/loose.bin'), false)
  const { freed_bytes } = await drive.onDemand.free('/album/b.bin')
  assert.ok(freed_bytes >= b.length, `freed ${freed_bytes} bytes`)
  assert.equal(drive.onDemand.isKept('/album/b.bin'), false)
  assert.equal(drive.onDemand.isKept('/album'), true)
  assert.equal(drive.onDemand.usage().kept_files, 1)

  online = false
  assert.ok(a.equals(await readAll(drive, '/album/a.bin')), 'a kept file reads offline')
  await assert.rejects(readAll(drive, '/album/b.bin'), /EIO/)
  await assert.rejects(readAll(drive, '/loose.bin'), /EIO/)

  await drive.close()
  drive = await Drive.open(opts)
  assert.ok(a.equals(await readAll(drive, '/album/a.bin')), 'and after the drive opens again')
  assert.equal(drive.onDemand.isKept('/album/a.bin'), true)
})
