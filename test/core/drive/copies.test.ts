// "Synced" means R vaults other than this node hold the file: a drive whose
// puts reach fewer says "degraded (k of R)", keeps the staging copy, and
// tries again until it gets there.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { MemoryChunkStore } from '../../../main/core/chunk-store.ts'
import { Drive, MemoryRootStore, newDriveKeys } from '../../../main/core/drive/index.ts'
import { tempDir } from '../../helpers.ts'
import { waitFor } from '../net/support.ts'

/** A chunk store that says how many other vaults took each chunk: `copies`, changeable. */
class CountingStore extends MemoryChunkStore {
  copies = 0
  readonly replicas = 4
  async putCopies(address: Uint8Array, bytes: Uint8Array): Promise<number> {
    await this.put(address, bytes)
    return this.copies
  }
}

test('a write no other vault holds is degraded (0 of 4), not synced, and becomes synced once vaults take it', async (t) => {
  const chunks = new CountingStore()
  const drive = await Drive.open({
    dir: await tempDir(t),
    key: newDriveKeys().encryptionKey,
    chunks,
    root: new MemoryRootStore(),
    commitDelayMs: 20,
  })
  t.after(() => drive.close())
  const fh = await drive.create('/big', 0o644)
  await drive.write(fh, 0, randomBytes(3 * 2 ** 20))
  await drive.release(fh)
  assert.equal(await drive.syncAll(30_000), true, 'nothing is left to do but wait for vaults')
  const status = drive.status()
  assert.equal(status.state, 'degraded')
  assert.equal(status.files_degraded, 1)
  assert.deepEqual(status.degraded, [{ name: 'big', copies: 0, of: 4 }])
  assert.equal(status.files_pending, 1, 'a degraded file counts as not yet synced (logout refuses)')
  const ino = (await drive.getattr('/big')).ino
  assert.equal(drive.journal.has(ino), true, 'the staging copy stays until the network holds the file')

  chunks.copies = 2
  await waitFor(() => drive.status().degraded[0]?.copies === 2, 30_000, 'the retry reaches 2 of 4')
  assert.notEqual(drive.status().state, 'synced')

  chunks.copies = 4
  await waitFor(() => drive.status().state === 'synced', 60_000, 'synced once four other vaults hold it')
  assert.equal(drive.status().files_degraded, 0)
  assert.equal(drive.journal.has(ino), false, 'the staging copy goes once the file is closed and held')
})

test('an upload of a file removed meanwhile stops at its next chunk instead of reading it to the end', async (t) => {
  const drive = await Drive.open({
    dir: await tempDir(t),
    key: newDriveKeys().encryptionKey,
    chunks: new MemoryChunkStore(),
    root: new MemoryRootStore(),
    commitDelayMs: 20,
  })
  t.after(() => drive.close())
  // 1 TiB of holes: read to the end, its upload would take hours
  await drive.release(await drive.create('/huge', 0o644))
  await drive.truncate('/huge', 2 ** 40)
  await waitFor(() => (drive.status().uploading[0]?.done ?? 0) > 0, 60_000, 'the upload to start')
  await drive.unlink('/huge')
  await waitFor(() => drive.status().uploading.length === 0, 60_000, 'the upload to stop')
  await waitFor(() => drive.status().state === 'synced', 60_000, 'the tree without it to be committed')
  assert.equal(drive.journal.usedBytes, 0)
})
