// The version history on a real loopback network follows the account: a
// second device logged in to it lists the versions the first one wrote,
// of a file the first one deleted, and restores one byte for byte.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import { everyAddress, readDriveFile, startDriveNode, writeDriveFile } from '../account/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'

const creds = { keyword: 'two-desks', pin: '8642', password: 'a letter written twice' }

test('a second device of the account lists and restores the versions the first one wrote', async (t) => {
  const vaults = await startNodes(t, 3)
  const desk = await startDriveNode(t, everyAddress(vaults))
  const laptop = await startDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, desk.node, laptop.node])
  await desk.create(creds)
  const v1 = randomBytes(150_000)
  await writeDriveFile(desk.drive!, '/letter.bin', v1)
  await desk.drive!.syncAll(60_000)
  await writeDriveFile(desk.drive!, '/letter.bin', Buffer.from('second draft'))
  await desk.drive!.syncAll(60_000)
  await desk.drive!.unlink('/letter.bin')
  await desk.drive!.syncAll(60_000)
  // a record put can fall short on a loaded machine: the drive tries again, and so does the test
  await waitFor(
    () =>
      desk.drive!.publishHistory().then(
        () => true,
        () => false,
      ),
    120_000,
    'the desk to publish its history',
  )

  await laptop.login(creds)
  const listed = async () => (await callApi(laptop.api, 'files-versions', { path: '/letter.bin' })).versions
  await waitFor(async () => (await listed()).length === 2, 60_000, 'the laptop to read the history')
  const listing = await callApi(laptop.api, 'files-versions', { path: '/letter.bin' })
  assert.equal(listing.exists, false)
  assert.deepEqual(
    listing.versions.map((v) => [v.number, v.size]),
    [
      [2, 12],
      [1, v1.length],
    ],
  )
  const restored = await callApi(laptop.api, 'files-restore', { path: '/letter.bin', version: 1 })
  assert.equal(restored.restored.number, 1)
  assert.ok(
    v1.equals(await readDriveFile(laptop.drive!, '/letter.bin')),
    'v1 back byte for byte on the laptop',
  )
})
