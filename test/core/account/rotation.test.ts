// A password change rotates every key. An attacker who copied the session
// packet before the change and knows the old password opens that copy and
// gets the old keys — and with them nothing current: not the account's
// signing key, not the wallet, not the drive's root, not a file written since.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { accountId, deriveKeys, openPacket } from '../../../main/core/account/index.ts'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import { RootUnreadableError, openRoot } from '../../../main/core/drive/index.ts'
import { DRIVE_ROOT_RECORD } from '../../../main/core/drive/record-root-store.ts'
import { DRIVE_HISTORY_RECORD } from '../../../main/core/drive/versions-remote.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { OwnerKey, recordAddress } from '../../../main/core/records/index.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'
import { TEST_KDF, everyAddress, readDriveFile, startDriveNode, writeDriveFile } from './support.ts'

const creds = { keyword: 'harbourmaster', pin: '90210', password: 'old password one' }
const newPassword = 'new password two'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const rootAddress = (ownerSeed: Uint8Array, name = DRIVE_ROOT_RECORD) =>
  recordAddress(OwnerKey.fromSeed(ownerSeed).publicKey, name)

test('a copy of the session packet from before a password change, opened with the old password, yields nothing current', async (t) => {
  const vaults = await startNodes(t, 5)
  const boot = everyAddress(vaults)
  const a = await startDriveNode(t, boot)
  await meshUp([...vaults, a.node])
  await a.create(creds)
  const before = randomBytes(3000)
  await writeDriveFile(a.drive!, '/before.txt', before)
  assert.equal(await a.drive!.syncAll(60_000), true)
  await a.drive!.publishHistory()
  const historyBefore = await a.node.records.get(
    rootAddress(a.account!.keys.driveOwnerSeed, DRIVE_HISTORY_RECORD),
  )
  assert.ok(historyBefore && historyBefore.payload.byteLength > 0, "the drive's history is in the network")

  // the attacker's copy: the packet's bytes as the network held them before the change
  const old = await deriveKeys(creds, TEST_KDF)
  const copy = (await a.node.records.get(old.location))!
  assert.ok(copy.payload.byteLength > 0)

  const changed = await a.changePassword({ ...creds, new_password: newPassword })
  assert.equal(changed.logged_in, true, 'the account is open again here, under its new keys')
  const after = randomBytes(3000)
  await writeDriveFile(a.drive!, '/after.txt', after)
  assert.equal(await a.drive!.syncAll(60_000), true)
  const current = a.account!.keys

  // the copy still opens with the old password: what it holds is retired
  const stolen = openPacket(copy.payload, old.sealKey, old.location)
  assert.ok(stolen, 'the old copy opens with the old password')
  assert.notEqual(accountId(stolen), changed.account_id, "the account's signing key rotated")
  for (const name of ['accountSeed', 'driveOwnerSeed', 'driveKey', 'walletSeed'] as const)
    assert.notEqual(hex(stolen[name]), hex(current[name]), `${name} rotated`)

  // the old drive root is retired in the network: the old keys find no root to open
  const oldRoot = await a.node.records.get(rootAddress(stolen.driveOwnerSeed))
  assert.ok(oldRoot, 'the old root record is held, retired')
  assert.equal(oldRoot.payload.byteLength, 0)
  assert.throws(() => openRoot(stolen.driveKey, oldRoot.payload), RootUnreadableError)
  const oldHistory = await a.node.records.get(rootAddress(stolen.driveOwnerSeed, DRIVE_HISTORY_RECORD))
  assert.equal(oldHistory?.payload.byteLength, 0, 'the old history record is retired too')
  // even handed the current root record, the old drive key does not open it
  const currentRoot = (await a.node.records.get(rootAddress(current.driveOwnerSeed)))!
  assert.throws(() => openRoot(stolen.driveKey, currentRoot.payload), RootUnreadableError)
  assert.ok(openRoot(current.driveKey, currentRoot.payload).length > 0)

  // another device logs in with the new password and reads both files; the old password opens nothing
  const b = await startDriveNode(t, boot)
  await meshUp([...vaults, a.node, b.node])
  await assert.rejects(b.login(creds), { name: 'NoAccount' })
  const opened = await b.login({ ...creds, password: newPassword })
  assert.equal(opened.account_id, changed.account_id)
  assert.deepEqual(await readDriveFile(b.drive!, '/before.txt'), before)
  assert.deepEqual(await readDriveFile(b.drive!, '/after.txt'), after)
  // the version history moved with the root
  await waitFor(
    () => b.drive!.listVersions('/before.txt').versions.length > 0,
    60_000,
    "the version history to follow the account's new keys",
  )
})

test("after a password change the account's coins are under the new wallet: the old wallet key in a stolen copy spends nothing", async (t) => {
  const farming = { target: 1, proofIntervalMs: 3_600_000, clientMinAgeMs: 0 }
  const vaults = await startNodes(t, 6, { farming })
  const a = await startDriveNode(t, everyAddress(vaults), { farming })
  await meshUp([...vaults, a.node])
  await a.create(creds)
  const old = await deriveKeys(creds, TEST_KDF)
  const copy = (await a.node.records.get(old.location))!

  // a vault farms a coin (every served chunk wins here) and pays it to the account's wallet
  const bytes = randomBytes(4096)
  const address = chunkAddress(bytes)
  await vaults[0]!.network.put(address, bytes)
  const group = closeGroup(address, vaults[0]!.peers.withSelf(), 4).map((p) => p.key)
  const earner = vaults.find((v) => group.includes(v.peers.self.key))!
  const client = vaults.find((v) => !group.includes(v.peers.self.key))!
  const receipt = await client.farmer.receiptFor(earner.peers.self.key, toHex(address))
  const minted = await earner.farmer.claim(receipt, earner.farmer.walletId)
  assert.equal(minted.minted, true, minted.refusals.join('; '))
  const oldWallet = a.node.farmer.walletId
  assert.deepEqual(await earner.farmer.send(1, oldWallet), { sent: 1 })
  await waitFor(() => a.node.farmer.balance().coins === 1, 60_000, "the coin to reach the account's wallet")
  const [held] = a.node.farmer.db.ownedCoins(oldWallet)

  await a.changePassword({ ...creds, new_password: newPassword })
  const newWallet = a.node.farmer.walletId
  assert.notEqual(newWallet, oldWallet)
  assert.equal(a.node.farmer.balance().coins, 1, 'the coin moved to the new wallet')
  const [moved] = a.node.farmer.db.ownedCoins(newWallet)
  assert.equal(moved!.id, held!.id)
  assert.equal(await a.node.farmer.verify(moved!), true, "the coin's group agrees")

  // the attacker opens the old copy and tries to spend the coin as it was, with the old wallet key
  const stolen = openPacket(copy.payload, old.sealKey, old.location)!
  assert.equal(hex(OwnerKey.fromSeed(stolen.walletSeed).publicKey), oldWallet)
  const thief = OwnerKey.generate()
  const spent = await client.farmer.transfer(
    held!,
    hex(thief.publicKey),
    OwnerKey.fromSeed(stolen.walletSeed),
  )
  assert.equal(spent, undefined, "the coin's group refuses a spend by the retired wallet")
  assert.equal(await a.node.farmer.verify(moved!), true, 'the coin is still the new wallet’s')
})
