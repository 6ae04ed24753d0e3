// A drive node whose files are below R copies on other vaults says so in its
// status and refuses a plain logout: the only copy may be on this device.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { statusOf } from '../../main/core/api/index.ts'
import type { DriveNode } from '../../main/core/node/index.ts'
import { startDriveNode, writeDriveFile } from './account/support.ts'
import { waitFor } from './net/support.ts'

const creds = { keyword: 'lonely', pin: '5150', password: 'a quiet shore at dusk' }

/** Makes the open drive report `extra` on top of its real status, as a drive with degraded files does. */
function reportDegraded(node: DriveNode, extra: Record<string, unknown>): void {
  const drive = node.drive!
  const real = drive.status.bind(drive)
  drive.status = () => ({ ...real(), ...extra }) as ReturnType<typeof real>
}

test('logout refuses while files are below four copies elsewhere, and says how to leave anyway', async (t) => {
  const node = await startDriveNode(t, [])
  await node.create(creds)
  const degraded = [
    { name: 'a.bin', copies: 1, of: 4 },
    { name: 'b.bin', copies: 3, of: 4 },
  ]
  reportDegraded(node, { state: 'synced', files_degraded: 2, degraded })

  const sync = node.status().sync
  assert.equal(sync.state, 'degraded', 'files below R are never reported as synced')
  assert.equal(sync.files_degraded, 2)
  assert.deepEqual(sync.degraded, degraded)
  await assert.rejects(node.logout(), {
    name: 'DegradedLogout',
    message: '2 files have fewer than 4 copies in the network; logout --force to leave anyway',
  })
  assert.equal(node.accountStatus().logged_in, true)
  assert.equal(
    statusOf(await node.logout().catch((e: unknown) => e)),
    409,
    'the API answers it as a conflict',
  )

  // a drive that reports only its state (its tree below R) is refused the same way
  reportDegraded(node, { state: 'degraded', files_degraded: 0, degraded: [] })
  await assert.rejects(node.logout(), {
    name: 'DegradedLogout',
    message: /latest changes have fewer than 4 copies/,
  })
  await node.logout(true)
  assert.equal(node.accountStatus().logged_in, false)
})

test('a node with no other vault reports its written file degraded (0 of 4), not synced, and keeps the account open', async (t) => {
  const node = await startDriveNode(t, [])
  await node.create(creds)
  await writeDriveFile(node.drive!, '/only-here.bin', randomBytes(3 * 2 ** 20))
  await waitFor(() => node.status().sync.state === 'degraded', 60_000, 'the drive to report degraded')
  const sync = node.status().sync
  assert.equal(sync.files_degraded, 1)
  assert.deepEqual(sync.degraded, [{ name: 'only-here.bin', copies: 0, of: 4 }])
  await assert.rejects(node.logout(), {
    name: 'DegradedLogout',
    message: '1 file has fewer than 4 copies in the network; logout --force to leave anyway',
  })
  assert.equal(node.accountStatus().logged_in, true)
})
