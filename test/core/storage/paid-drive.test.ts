// The honest path where storage is paid, end to end: a new account's drive
// on a node whose vault its neighbours back stores its first file within the
// starter allowance, status shows what was paid for, and a file past the
// allowance is refused with the reason while the first stays readable.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { startNodes, waitFor } from '../net/support.ts'
import { everyAddress, readDriveFile, startDriveNode, writeDriveFile } from '../account/support.ts'

const EARN = 1024 * 1024
const PAID = {
  paidStorage: true,
  farming: { proofIntervalMs: 3_600_000, clientMinAgeMs: 0, storagePrices: { earnBytes: EARN } },
}

test("a new account's drive stores within its starter allowance, and past it is refused with the reason", async (t) => {
  const vaults = await startNodes(t, 6, PAID)
  const desk = await startDriveNode(t, everyAddress(vaults), PAID)
  await desk.create({ keyword: 'paid-drive', pin: '4242', password: 'paid for by my vault' })
  const drive = desk.drive!

  const first = randomBytes(300 * 1024)
  await writeDriveFile(drive, '/first.bin', first)
  assert.ok(await drive.syncAll(120_000), 'the first file reached the network')
  assert.equal(desk.status().sync.files_degraded, 0, 'at four copies')
  await waitFor(
    () => (desk.status().storage?.used_bytes ?? 0) >= first.length,
    60_000,
    'the balance to show it',
  )
  const storage = desk.status().storage!
  assert.ok(storage.allowance_bytes >= EARN)
  assert.ok(storage.used_bytes < storage.allowance_bytes)

  // more than is left: refused by the balance group, said in the sync errors, and retried, never lost
  await writeDriveFile(drive, '/second.bin', randomBytes(storage.allowance_bytes))
  await waitFor(
    () =>
      desk
        .status()
        .sync.errors.some((e) => /storage is not paid for: the storage allowance is used up/.test(e.error)),
    120_000,
    'the refusal to show in the sync state',
  )
  assert.ok(desk.status().sync.files_pending >= 1, 'the file waits on this device')
  assert.ok(first.equals(await readDriveFile(drive, '/first.bin')))
})
