// The honest path where storage is paid, end to end: a new account's drive
// on a node whose vault its neighbours back stores its first file within the
// starter allowance, status shows what was paid for, and a file past the
// allowance is refused with the reason while the first stays readable; a
// coin the node's vault farmed buys more, and the waiting file goes up.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { deriveKeys } from '../../../main/core/account/credentials.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { OwnerKey } from '../../../main/core/records/index.ts'
import { EVERY_GET_WINS, farm } from '../farming/support.ts'
import { startNodes, waitFor } from '../net/support.ts'
import { TEST_KDF, everyAddress, readDriveFile, startDriveNode, writeDriveFile } from '../account/support.ts'

const EARN = 1024 * 1024
const COIN_BYTES = 8 * 1024 * 1024
const PAID = {
  paidStorage: true,
  // every served chunk mints, so the desk's vault can earn a coin to buy storage with
  farming: { ...EVERY_GET_WINS, storagePrices: { earnBytes: EARN, coinBytes: COIN_BYTES } },
}

test("a new account's drive stores within its starter allowance; past it the file waits until coin buys more", async (t) => {
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

  // the desk's vault serves until it mints a coin (chunks put by a vault paying as an account of its own)
  vaults[0]!.payStorageAs(OwnerKey.generate())
  await farm(desk.node, vaults, 1)
  assert.deepEqual(await desk.buyStorage(1), { bought: 1 })
  await waitFor(
    () => (desk.status().storage?.bought_bytes ?? 0) === COIN_BYTES,
    60_000,
    'the bought bytes in status',
  )
  assert.ok(await drive.syncAll(180_000), 'the waiting file reached the network once storage was bought')
  assert.equal(desk.status().sync.errors.length, 0)
})

test('a node whose vault its neighbours have known only a moment cannot make an account yet: create says why and stores nothing', async (t) => {
  // the vouching age of a real network (10 minutes)
  const YOUNG = { paidStorage: true, farming: { proofIntervalMs: 3_600_000 } }
  const vaults = await startNodes(t, 12, YOUNG)
  const desk = await startDriveNode(t, everyAddress(vaults), YOUNG)
  await waitFor(() => desk.node.peers.size >= 12, 30_000, 'the desk to know every vault')
  // credentials whose packet's group the desk is far from (beyond 2R + 1): its own copy would pass as the group's
  let creds = { keyword: 'too-soon-0', pin: '4242', password: 'not paid for yet' }
  for (let i = 1; ; i++) {
    const { location } = await deriveKeys(creds, TEST_KDF)
    const near = closestFirst(kadKey(location), desk.node.trusted.withSelf()).slice(0, 9)
    if (!near.some((p) => p.key === desk.node.peers.self.key)) break
    creds = { ...creds, keyword: `too-soon-${i}` }
  }
  await assert.rejects(desk.create(creds), (err: Error) => {
    assert.equal(err.name, 'AccountNotPaid')
    assert.match(
      err.message,
      /^could not store the account: storage is not paid for: the account has no storage allowance yet/,
    )
    assert.match(err.message, /this node's vault backs no account yet/)
    return true
  })
  assert.equal(desk.accountStatus().logged_in, false)
  // nothing reached the network: the same credentials open no account
  await assert.rejects(desk.login(creds), { name: 'NoAccount' })
})
