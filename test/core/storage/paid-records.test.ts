// "Free storage for anyone", tried with records where storage is paid: a
// record under a throwaway key, PUT to the vault that heads its group, is
// refused with the one line and kept nowhere. An account that pays stores a
// record once (its slot at the largest record size), and every newer version
// of it is taken free.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { requestRecord } from '../../../main/core/net/record-protocol.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { OwnerKey, addressOf, signRecord } from '../../../main/core/records/index.ts'
import { NO_TICKET } from '../../../main/core/storage/paid-check.ts'
import { RECORD_CHARGE_BYTES } from '../../../main/core/storage/ticket.ts'
import { startNodes, waitFor } from '../net/support.ts'
import { farthestClient, itemFor } from './support.ts'

const PAID = {
  paidStorage: true,
  farming: { proofIntervalMs: 3_600_000, clientMinAgeMs: 0, storagePrices: { earnBytes: 4 * 2 ** 20 } },
}

/** A record under a throwaway key whose group `vault` heads, far from `client` (beyond 2R + 1). */
const recordFor = (vault: PeerDriveNode, client: PeerDriveNode) =>
  itemFor(
    vault,
    client,
    () => signRecord(OwnerKey.generate(), { name: 'free', version: 1n, payload: randomBytes(4096) }),
    addressOf,
  )

/** How many of the nodes hold the record at `version`. */
async function holdersAt(nodes: PeerDriveNode[], address: Uint8Array, version: bigint): Promise<number> {
  const held = await Promise.all(nodes.map((n) => n.vault.getRecord(address)))
  return held.filter((r) => r?.version === version).length
}

test('where storage is paid, a record under a throwaway key is refused and kept nowhere', async (t) => {
  const nodes = await startNodes(t, 12, PAID)
  const vault = nodes[0]!
  const { client, target } = farthestClient(nodes, vault)

  const record = recordFor(vault, client)
  const address = addressOf(record)
  assert.deepEqual(await requestRecord(client.host, target.id, { type: 'record-put', address, record }), {
    status: 'bad-request',
    reason: NO_TICKET,
  })
  assert.equal(await vault.vault.getRecord(address), undefined, 'nothing kept')
  // the node's own put, with no account paying, says why and leaves nothing anywhere
  await assert.rejects(client.records.put(record), (err: Error) => {
    assert.match(err.message, /storage is not paid for: a PUT needs a ticket/)
    return true
  })
  // (the client's own vault may keep what it put itself: its own disk, not the network's)
  assert.equal(
    await holdersAt(
      nodes.filter((n) => n !== client),
      address,
      1n,
    ),
    0,
  )
})

test("an account pays once for a record's slot, and its newer versions are taken free", async (t) => {
  // twelve: a record's group (and the 2R + 1 whose copies pass as repairs) leaves the client out
  const nodes = await startNodes(t, 12, PAID)
  const client = nodes[11]!
  const account = OwnerKey.generate()
  client.payStorageAs(account)
  let owner: OwnerKey
  let first
  do {
    owner = OwnerKey.generate()
    first = signRecord(owner, { name: 'root', version: 1n, payload: randomBytes(512) })
  } while (
    closestFirst(kadKey(addressOf(first)), client.trusted.withSelf())
      .slice(0, 9)
      .some((p) => p.key === client.peers.self.key)
  )
  const address = addressOf(first)
  const put = await client.records.put(first)
  assert.ok(put.copies >= 4, `${put.copies} copies`)
  const paid = (await client.storageBalance(account))!
  assert.equal(paid.used, RECORD_CHARGE_BYTES, 'the slot is paid at the largest record')

  const second = signRecord(owner, { name: 'root', version: 2n, payload: randomBytes(60 * 1024) })
  assert.ok((await client.records.put(second)).copies >= 4)
  assert.equal((await client.storageBalance(account))!.used, RECORD_CHARGE_BYTES, 'a newer version is free')
  await waitFor(async () => (await holdersAt(nodes, address, 2n)) >= 4, 30_000, 'four vaults hold version 2')
})
