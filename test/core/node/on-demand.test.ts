// Files on demand on a real loopback network: an online-only file is fetched
// when read and leaves its chunks in the disk cache until "free up space"; a
// kept file reads and edits with every other vault stopped and this node's
// own vault emptied, while an online-only one cannot be read; the edit
// uploads once vaults are back, and the kept copy follows it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import type { DriveNode } from '../../../main/core/node/index.ts'
import { tempDir } from '../../helpers.ts'
import { everyAddress, readDriveFile, startDriveNode, writeDriveFile } from '../account/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'

const MiB = 2 ** 20
const capacity = 256 * MiB

/** What the files under `dir` take on disk. */
async function diskUsage(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).blocks * 512
  }
  return total
}

/** Once every file is on R other vaults, the journal lets its local copy go: from then on reads go to the network. */
async function onlineOnly(node: DriveNode): Promise<void> {
  await waitFor(
    async () => node.drive!.journal.inos().length === 0,
    300_000,
    'the staging copies to be let go',
  )
}

function cacheDir(home: string, node: DriveNode): string {
  return join(home, 'drives', node.account!.id.slice(0, 16), 'cache')
}

test('an online-only 50 MiB file reads back byte for byte, and freeing it returns its cache', async (t) => {
  const vaults = await startNodes(t, 4, { capacity })
  const home = await tempDir(t)
  const desk = await startDriveNode(t, everyAddress(vaults), { home, capacity })
  await meshUp([...vaults, desk.node])
  await desk.create({ keyword: 'on-demand-big', pin: '1357', password: 'fifty mebibytes' })
  const content = randomBytes(50 * MiB)
  await writeDriveFile(desk.drive!, '/big.bin', content)
  assert.ok(await desk.drive!.syncAll(300_000), 'the file reached the network')
  await onlineOnly(desk)
  const cache = cacheDir(home, desk)
  const before = await diskUsage(cache)

  assert.ok(content.equals(await readDriveFile(desk.drive!, '/big.bin')), 'read back byte for byte')
  const read = await diskUsage(cache)
  const status = await callApi(desk.api, 'status', {})
  console.log(
    `cache on disk: ${before} bytes before the read, ${read} after; status says ${JSON.stringify(status.cache)}`,
  )
  assert.ok(read - before >= 50 * MiB, `the read left ${read - before} bytes in the cache`)
  assert.ok(status.cache!.cached_bytes >= 50 * MiB)
  const { kept } = await callApi(desk.api, 'files-availability', { paths: ['/big.bin'] })
  assert.deepEqual(kept, [{ path: '/big.bin', kept: false }])

  const freed = await callApi(desk.api, 'files-free', { path: '/big.bin' })
  const after = await diskUsage(cache)
  console.log(`freed ${freed.freed_bytes} bytes; cache on disk now ${after} bytes`)
  assert.ok(freed.freed_bytes >= 50 * MiB)
  assert.ok(read - after >= 50 * MiB, `the cache dir went from ${read} to ${after} bytes`)
  assert.ok(content.equals(await readDriveFile(desk.drive!, '/big.bin')), 'still readable from the network')

  // a lower cache limit applies at once; the bandwidth limits reach the node's buckets
  const { settings } = await callApi(desk.api, 'settings-set', {
    cache_limit_bytes: 8 * MiB,
    upload_bytes_per_s: 2 * MiB,
    download_bytes_per_s: 3 * MiB,
  })
  assert.deepEqual(
    [settings.cache_limit_bytes, settings.upload_bytes_per_s, settings.download_bytes_per_s],
    [8 * MiB, 2 * MiB, 3 * MiB],
  )
  assert.deepEqual(desk.node.bandwidth.limits(), { upload: 2 * MiB, download: 3 * MiB })
  const trimmed = (await callApi(desk.api, 'status', {})).cache!
  assert.ok(trimmed.cached_bytes <= 8 * MiB, `the cache holds ${trimmed.cached_bytes} bytes`)
  assert.ok((await diskUsage(cache)) <= 9 * MiB)
  await assert.rejects(callApi(desk.api, 'settings-set', { upload_bytes_per_s: -1 }), /bad arguments/)
})

test('a kept file reads and edits with every other vault stopped, an online-only one does not read, and the edit syncs when vaults return', async (t) => {
  const vaults = await startNodes(t, 4, { capacity })
  const home = await tempDir(t)
  const desk = await startDriveNode(t, everyAddress(vaults), { home, capacity })
  await meshUp([...vaults, desk.node])
  await desk.create({ keyword: 'on-demand-kept', pin: '2468', password: 'kept on the desk' })
  const drive = desk.drive!
  await drive.mkdir('/docs', 0o755)
  const kept = randomBytes(6 * MiB)
  const loose = randomBytes(3 * MiB)
  await writeDriveFile(drive, '/docs/kept.bin', kept)
  await writeDriveFile(drive, '/loose.bin', loose)
  assert.ok(await drive.syncAll(300_000), 'both files reached the network')
  await onlineOnly(desk)

  const answer = await callApi(desk.api, 'files-keep', { path: '/docs' })
  assert.deepEqual(answer, { path: '/docs', files: 1, bytes: kept.length, missing: 0 })
  const { usage, kept: states } = await callApi(desk.api, 'files-availability', {
    paths: ['/docs', '/docs/kept.bin', '/loose.bin'],
  })
  assert.deepEqual(
    states.map((s) => s.kept),
    [true, true, false],
  )
  assert.equal(usage.kept_files, 1)
  assert.ok(usage.kept_bytes >= kept.length, `kept chunks take ${usage.kept_bytes} bytes`)

  await Promise.all(vaults.map((v) => v.stop()))
  // this node's own vault may hold copies too: with them gone, only the disk cache has the file
  for (const address of [...desk.node.vault.addresses()]) await desk.node.vault.delete(address)

  assert.ok(kept.equals(await readDriveFile(drive, '/docs/kept.bin')), 'the kept file reads offline')
  await assert.rejects(
    readDriveFile(drive, '/loose.bin'),
    /EIO|missing/,
    'the online-only file needs the network',
  )

  const fh = await drive.open('/docs/kept.bin', { write: true })
  await drive.write(fh, 0, Buffer.from('edited offline'))
  await drive.release(fh)
  const edited = Buffer.concat([Buffer.from('edited offline'), kept.subarray(14)])
  assert.ok(edited.equals(await readDriveFile(drive, '/docs/kept.bin')), 'the edit is there')
  assert.ok(drive.status().files_pending >= 1, 'and waits for the network')

  // vaults come back (new ones, at new addresses): the edit uploads, and the kept copy follows it
  const back = await startNodes(t, 4, { capacity })
  await meshUp([...back, desk.node])
  await waitFor(
    async () => drive.status().files_pending === 0 && drive.journal.inos().length === 0,
    300_000,
    'the offline edit to reach the vaults that came back',
  )
  await waitFor(
    async () => (await callApi(desk.api, 'files-keep', { path: '/docs' })).missing === 0,
    60_000,
    'the new content to be kept',
  )
  await Promise.all(back.map((v) => v.stop()))
  for (const address of [...desk.node.vault.addresses()]) await desk.node.vault.delete(address)
  assert.ok(edited.equals(await readDriveFile(drive, '/docs/kept.bin')), 'the edited file reads offline too')
})
