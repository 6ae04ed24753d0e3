// Losing receipts travel in batches: alone, a window's worth, or a full
// batch at once, apart per vault; on real vaults, a read's receipt reaches
// the vault that served it and is remembered there.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import { ReceiptBatches } from '../../../main/core/farming/receipt-batches.ts'
import { MAX_BATCHED_RECEIPTS } from '../../../main/core/farming/messages.ts'
import type { Receipt } from '../../../main/core/farming/index.ts'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { startNodes, waitFor } from '../net/support.ts'

const vault = (key: string) => ({ key }) as VaultPeer
const receipt = (slot: number) => ({ slot }) as Receipt

test('receipts wait for their window or a full batch, one batch per vault', async () => {
  const sent: { vault: string; slots: number[] }[] = []
  const batches = new ReceiptBatches(async (v, receipts) => {
    sent.push({ vault: v.key, slots: receipts.map((r) => r.slot) })
  }, 30)
  const a = vault('a')
  const b = vault('b')
  const first = [batches.add(a, receipt(1)), batches.add(b, receipt(2)), batches.add(a, receipt(3))]
  assert.equal(sent.length, 0, 'nothing leaves before the window ends')
  await Promise.all(first)
  assert.deepEqual(
    sent.sort((x, y) => x.vault.localeCompare(y.vault)),
    [
      { vault: 'a', slots: [1, 3] },
      { vault: 'b', slots: [2] },
    ],
  )
  sent.length = 0
  const full = Array.from({ length: MAX_BATCHED_RECEIPTS + 1 }, (_, i) => batches.add(a, receipt(i)))
  await full[0]
  assert.equal(sent.length, 1, 'a full batch goes at once')
  assert.equal(sent[0]!.slots.length, MAX_BATCHED_RECEIPTS)
  await Promise.all(full)
  assert.deepEqual(sent[1]!.slots, [MAX_BATCHED_RECEIPTS], 'the one past it starts the next batch')
})

test("a read's losing receipt reaches the vault that served it, in a batch", async (t) => {
  // the default farming target: almost every receipt loses and waits for its batch
  const nodes = await startNodes(t, 6, { farming: { clientMinAgeMs: 0 } })
  const bytes = randomBytes(4096)
  const address = chunkAddress(bytes)
  await nodes[0]!.network.putCopies(address, bytes)
  const holders: PeerDriveNode[] = []
  for (const n of nodes) if (await n.vault.has(address)) holders.push(n)
  const reader = nodes.find((n) => !holders.includes(n))!
  const before = holders.map((h) => h.farmer.db.receiptsRemembered())
  await reader.network.get(address)
  await reader.farmer.settled()
  await waitFor(
    () => holders.some((h, i) => h.farmer.db.receiptsRemembered() > before[i]!),
    30_000,
    'the serving vault to remember the receipt',
  )
})
