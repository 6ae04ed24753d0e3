// Records published with putCopies count only vaults other than the writer,
// and so does the drive root's saveCopies. Real vault nodes on loopback.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { DRIVE_ROOT_RECORD, RecordRootStore } from '../../../main/core/drive/record-root-store.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { OwnerKey, addressOf, recordAddress, signRecord } from '../../../main/core/records/index.ts'
import { startNodes } from '../net/support.ts'

async function holding(nodes: PeerDriveNode[], address: Uint8Array, version: bigint): Promise<number> {
  const held = await Promise.all(nodes.map((n) => n.vault.getRecord(address)))
  return held.filter((r) => r?.version === version).length
}

test('a writer alone counts no copies of a record it keeps only in its own vault', async (t) => {
  const [writer] = await startNodes(t, 1)
  const owner = OwnerKey.generate()
  const record = signRecord(owner, { name: 'session', version: 1, payload: randomBytes(100) })
  assert.equal(await writer!.records.putCopies(record), 0)
  assert.equal((await writer!.vault.getRecord(addressOf(record)))?.version, 1n)
  assert.equal(writer!.records.degraded, 1)

  const root = new RecordRootStore(writer!.records, OwnerKey.generate())
  assert.equal(await root.saveCopies(1n, randomBytes(60)), 0)
  assert.equal((await root.load())?.version, 1n, 'the root still reads back from this vault')
})

test('with R other vaults a record and a drive root reach R vaults besides the writer', async (t) => {
  const nodes = await startNodes(t, 5)
  const writer = nodes[0]!
  const others = nodes.slice(1)
  const owner = OwnerKey.generate()
  let writerInGroup = 0
  for (let i = 0; i < 8; i++) {
    const record = signRecord(owner, { name: `r${i}`, version: 1, payload: randomBytes(200) })
    const address = addressOf(record)
    assert.equal(await writer.records.putCopies(record), 4)
    assert.equal(await holding(others, address, 1n), 4, 'four vaults besides the writer hold it')
    if (closeGroup(address, writer.peers.withSelf(), 4).some((p) => p.key === writer.peers.self.key)) {
      writerInGroup++
      assert.equal(await holding([writer], address, 1n), 1)
    }
  }
  assert.ok(writerInGroup > 0, 'some records had the writer in their close group')

  const driveOwner = OwnerKey.generate()
  const root = new RecordRootStore(writer.records, driveOwner)
  const rootAddress = recordAddress(driveOwner.publicKey, DRIVE_ROOT_RECORD)
  assert.equal(await root.saveCopies(1n, randomBytes(60)), 4)
  assert.equal(await root.saveCopies(2n, randomBytes(60)), 4)
  assert.equal(await holding(others, rootAddress, 2n), 4)
  // an older version is refused by every holder
  await assert.rejects(root.saveCopies(1n, randomBytes(60)), { name: 'RecordStale' })
  assert.equal(writer.records.degraded, 0)
})
