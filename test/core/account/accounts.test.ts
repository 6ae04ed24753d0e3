// Accounts on a real loopback network: made on one node, opened on another
// with nothing copied between them, refused alike for any wrong part, kept
// safe from forged, replayed and tampered packets, re-keyed by a password
// change, and alive after the loss of R−1 holders of the packet.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { deriveKeys, SESSION_RECORD } from '../../../main/core/account/index.ts'
import { connectClient } from '../../../main/core/net/client.ts'
import { requestRecord } from '../../../main/core/net/record-protocol.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { OwnerKey, signRecord } from '../../../main/core/records/index.ts'
import type { SignedRecord } from '../../../main/core/records/index.ts'
import { tempDir } from '../../helpers.ts'
import { knowsEvery, meshUp, startNodes, waitFor } from '../net/support.ts'
import { TEST_KDF, everyAddress, readDriveFile, startDriveNode, writeDriveFile } from './support.ts'

const creds = { keyword: 'lighthouse', pin: '4812', password: 'correct horse battery' }

async function packetHolders(nodes: PeerDriveNode[], location: Uint8Array): Promise<PeerDriveNode[]> {
  const held = await Promise.all(nodes.map((n) => n.vault.getRecord(location)))
  return nodes.filter((_, i) => held[i])
}

test('an account made on node A opens on node B with the same files; wrong PIN and wrong password fail alike', async (t) => {
  const vaults = await startNodes(t, 5)
  const boot = everyAddress(vaults)
  const a = await startDriveNode(t, boot)
  await meshUp([...vaults, a.node])
  assert.equal(a.status().sync.state, 'no-drive')
  const created = await a.create(creds)
  assert.equal(created.logged_in, true)
  assert.match(created.account_id!, /^[0-9a-f]{64}$/)
  await assert.rejects(a.create(creds), { name: 'AccountExists' })

  const small = randomBytes(700)
  const large = randomBytes(3 * 2 ** 20 + 77)
  await writeDriveFile(a.drive!, '/notes.txt', small)
  await a.drive!.mkdir('/photos', 0o755)
  await writeDriveFile(a.drive!, '/photos/big.bin', large)
  assert.equal(await a.drive!.syncAll(60_000), true)

  const b = await startDriveNode(t, boot)
  await meshUp([...vaults, a.node, b.node])
  const failures = await Promise.allSettled([
    b.login({ ...creds, password: 'correct horse batterY' }),
    b.login({ ...creds, pin: '4813' }),
    b.login({ ...creds, keyword: 'lighthousf' }),
  ])
  for (const f of failures) {
    assert.equal(f.status, 'rejected')
    const err = (f as PromiseRejectedResult).reason as Error
    assert.equal(err.name, 'NoAccount')
    assert.equal(err.message, 'no account with these credentials')
  }
  assert.equal(b.accountStatus().logged_in, false)

  const opened = await b.login(creds)
  assert.equal(opened.account_id, created.account_id)
  assert.deepEqual(await readDriveFile(b.drive!, '/notes.txt'), small)
  assert.deepEqual(await readDriveFile(b.drive!, '/photos/big.bin'), large)
})

test('holders refuse a packet signed by another key, a replayed old version and a tampered packet', async (t) => {
  const vaults = await startNodes(t, 5)
  const a = await startDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, a.node])
  await a.create(creds)
  const { location, signSeed } = await deriveKeys(creds, TEST_KDF)
  const all = [...vaults, a.node]
  const holders = await packetHolders(all, location)
  assert.equal(holders.length, 4)
  const v1 = (await holders[0]!.vault.getRecord(location))!

  // a password change writes v2 here (the retired, empty packet)
  await a.changePassword({ ...creds, new_password: 'a new passphrase' })
  await waitFor(
    async () =>
      (await packetHolders(all, location)).length === 4 &&
      (await a.node.records.get(location))!.version === 2n,
    30_000,
    'the retired packet on every holder',
  )

  const owner = OwnerKey.fromSeed(signSeed)
  const mallory = OwnerKey.generate()
  const forged: SignedRecord = {
    ...signRecord(mallory, { name: SESSION_RECORD, version: 9, payload: v1.payload }),
    owner: owner.publicKey,
  }
  const tamperedPayload = Uint8Array.from(v1.payload)
  tamperedPayload[40]! ^= 1
  const tampered: SignedRecord = { ...v1, version: 9n, payload: tamperedPayload }

  const client = await connectClient({ bootstrap: vaults[0]!.multiaddrs() })
  t.after(() => client.stop())
  await knowsEvery(client, all)
  for (const holder of await packetHolders(all, location)) {
    const peer = client.peers.list().find((p) => p.key === holder.peers.self.key)
    assert.ok(peer, 'the client knows every holder')
    const put = (record: SignedRecord) =>
      requestRecord(client.host, peer.id, { type: 'record-put', address: location, record })
    assert.equal((await put(v1)).status, 'stale', 'replayed v1')
    assert.equal((await put(forged)).status, 'bad-signature', 'signed by another key')
    assert.equal((await put(tampered)).status, 'bad-signature', 'tampered payload')
    assert.equal((await holder.vault.getRecord(location))!.version, 2n)
  }
  // and the old credentials no longer open anything
  await assert.rejects(a.login(creds), { name: 'NoAccount' })
})

test('after a password change the old password fails and the new one opens the same drive, even with R−1 packet holders gone', async (t) => {
  const vaults = await startNodes(t, 7, { auditIntervalMs: 3_600_000 })
  const a = await startDriveNode(t, everyAddress(vaults))
  await meshUp([...vaults, a.node])
  const created = await a.create(creds)
  const body = randomBytes(5000)
  await writeDriveFile(a.drive!, '/kept.bin', body)
  assert.equal(await a.drive!.syncAll(60_000), true)

  const newCreds = { ...creds, password: 'a new passphrase' }
  const { account_id } = await a.changePassword({ ...creds, new_password: newCreds.password })
  assert.notEqual(account_id, created.account_id, 'every key rotates, the account id with them')
  await assert.rejects(a.login(creds), { name: 'NoAccount' })

  const { location } = await deriveKeys(newCreds, TEST_KDF)
  // four holders in all, at most one of them node A itself
  const gone = (await packetHolders(vaults, location)).slice(0, 3)
  assert.equal(gone.length, 3)
  await Promise.all(gone.map((n) => n.stop()))

  const live = vaults.filter((v) => !gone.includes(v))
  const b = await startDriveNode(t, everyAddress(live))
  await meshUp([...live, a.node, b.node])
  await assert.rejects(b.login(creds), { name: 'NoAccount' })
  const opened = await b.login(newCreds)
  assert.equal(opened.account_id, account_id)
  assert.deepEqual(await readDriveFile(b.drive!, '/kept.bin'), body)
})

test('remember me opens the account after a restart; logout wipes the keys from memory and disk', async (t) => {
  const vaults = await startNodes(t, 4)
  const boot = everyAddress(vaults)
  const home = await tempDir(t)
  const a = await startDriveNode(t, boot, { home })
  await meshUp([...vaults, a.node])
  await a.create({ ...creds, remember: true })
  await writeDriveFile(a.drive!, '/x.txt', Buffer.from('remembered'))
  assert.equal(await a.drive!.syncAll(60_000), true)
  await a.stop()

  const again = await startDriveNode(t, boot, { home })
  await meshUp([...vaults, again.node])
  assert.deepEqual(again.accountStatus(), { ...again.accountStatus(), logged_in: true, remembered: true })
  assert.deepEqual(await readDriveFile(again.drive!, '/x.txt'), Buffer.from('remembered'))
  const keys = again.account!.keys
  await again.logout()
  assert.equal(again.accountStatus().logged_in, false)
  for (const k of Object.values(keys))
    assert.ok(
      k.every((b: number) => b === 0),
      'keys zeroed in memory',
    )
  const left = await readdir(home, { recursive: true })
  assert.ok(!left.some((f) => f.includes('remembered') || f.startsWith('drives/')), `left on disk: ${left}`)
  await again.stop()

  const third = await startDriveNode(t, boot, { home })
  assert.equal(third.accountStatus().logged_in, false, 'nothing opens the account without the password')
})

test('an account is not created when its drive could not be mounted: the mount point is checked first', async (t) => {
  const vaults = await startNodes(t, 4)
  const home = await tempDir(t)
  const mount = join(home, 'mnt')
  await mkdir(mount)
  await writeFile(join(mount, 'already-here.txt'), 'x')
  const a = await startDriveNode(t, vaults[0]!.multiaddrs(), { home, mount })
  await assert.rejects(a.create(creds), { name: 'MountPointNotEmpty' })
  await assert.rejects(a.login(creds), { name: 'NoAccount' })
  assert.equal(a.accountStatus().logged_in, false)
})
