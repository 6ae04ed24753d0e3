// A share sent to an account waits in the close group of its inbox key. On
// real loopback vaults: the group changes under it (four vaults join, then
// every vault that first kept the offer stops, one by one) and the offer is
// still there to collect, handed over to each newcomer to the group.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { OwnerKey } from '../../../main/core/records/index.ts'
import { openOffer, sealOffer } from '../../../main/core/share/index.ts'
import { joinNodes, startNodes, waitFor } from '../net/support.ts'

const holds = (node: PeerDriveNode, account: string): boolean => {
  const res = node.shareInbox.answer({ t: 'list', to: account })
  return res.s === 'ok' && (res.offers?.length ?? 0) > 0
}

test('an offer in an inbox outlives every vault that first kept it', async (t) => {
  const opts = { auditIntervalMs: 2_000 }
  const first = await startNodes(t, 5, opts)
  const receiverSeed = randomBytes(32)
  const receiver = Buffer.from(OwnerKey.fromSeed(receiverSeed).publicKey).toString('hex')
  const offer = sealOffer(randomBytes(32), receiver, { link: `pds1:${'B'.repeat(86)}`, name: 'Album' })
  assert.ok((await first[0]!.shareInbox.deliver(receiver, offer)) >= 3)
  const keepers = first.filter((n) => holds(n, receiver))
  assert.ok(keepers.length >= 3, `kept by ${keepers.length}`)

  const joined = await joinNodes(t, first, 4, opts)
  const live = new Set([...first, ...joined])
  for (const keeper of keepers) {
    live.delete(keeper)
    await keeper.stop()
    await waitFor(
      () => [...live].filter((n) => holds(n, receiver)).length >= 3,
      120_000,
      'three live vaults to keep the offer after a keeper stopped',
    )
  }
  const collected = await joined[0]!.shareInbox.collect(receiver)
  const opened = collected.map((sealed) => openOffer(receiverSeed, sealed)).filter(Boolean)
  assert.deepEqual(
    opened.map((o) => o!.name),
    ['Album'],
  )
})
