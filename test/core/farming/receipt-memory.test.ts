// Receipt memory on a real vault: a client flooding one chunk with receipts
// fills at most the per-chunk bound of farm.db, receipts are forgotten once
// stale, and farm.db's bytes count against the vault's donation.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import { FarmDb, signReceipt } from '../../../main/core/farming/index.ts'
import type { FarmResponse } from '../../../main/core/farming/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { tempDir } from '../../helpers.ts'
import { startNodes } from '../net/support.ts'

const MAX_AGE_MS = 10 * 60_000
const PER_CHUNK = 256

test('2,000 receipts for one chunk: farm.db keeps at most the per-chunk bound, forgets them once stale, and counts against the donation', async (t) => {
  const nodes = await startNodes(t, 5, {
    // no attempt wins: the flood is about memory, not claims
    farming: {
      target: 1e-12,
      proofIntervalMs: 3_600_000,
      receiptMaxAgeMs: MAX_AGE_MS,
      receiptsPerChunk: PER_CHUNK,
    },
  })
  const bytes = randomBytes(4096)
  const address = chunkAddress(bytes)
  await nodes[0]!.network.put(address, bytes)
  const group = closeGroup(address, nodes[0]!.peers.withSelf(), 4).map((p) => p.key)
  const holds = await Promise.all(nodes.map((n) => n.vault.has(address)))
  const vault = nodes.find((n, i) => holds[i] && group.includes(n.peers.self.key))!
  const client = nodes.find((n) => n !== vault)!
  const vaultPeer = client.peers.list().find((p) => p.key === vault.peers.self.key)!
  const chunk = toHex(address)
  const send = (at: number): Promise<FarmResponse> =>
    client.farmer.ask(vaultPeer, {
      t: 'receipt',
      receipt: signReceipt(client.identity, {
        chunk,
        vault: vault.peers.self.key,
        client: client.peers.self.key,
        at,
      }),
    })

  const dbBefore = vault.farmer.db.bytesOnDisk()
  const usedBefore = vault.vault.stats().used
  const answers: FarmResponse[] = []
  for (let i = 0; i < 2_000; i += 50)
    answers.push(...(await Promise.all(Array.from({ length: 50 }, () => send(Date.now())))))
  const taken = answers.filter((a) => a.s === 'ok').length
  const refused = answers.filter(
    (a) => a.s === 'refused' && a.reason === 'too many fresh receipts for this chunk',
  )
  const dbAfter = vault.farmer.db.bytesOnDisk()
  const usedAfter = vault.vault.stats().used
  console.log(
    `2,000 receipts: ${taken} remembered, ${refused.length} refused; farm.db ${dbBefore} → ${dbAfter} bytes ` +
      `(${(dbAfter / dbBefore).toFixed(2)}×); vault used ${usedBefore} → ${usedAfter}`,
  )
  assert.equal(taken, PER_CHUNK)
  assert.equal(refused.length, 2_000 - PER_CHUNK)
  assert.equal(vault.farmer.db.receiptsRemembered(), PER_CHUNK)
  // the rows (about 100 KB) and a WAL that checkpoints at 1 MiB
  assert.ok(dbAfter - dbBefore < 2 * 1024 * 1024, `farm.db grew ${dbAfter - dbBefore} bytes`)
  assert.ok(
    usedAfter - usedBefore >= dbAfter - dbBefore,
    "farm.db's growth is counted in the vault's used bytes",
  )
  assert.ok(usedAfter >= dbAfter, "farm.db's bytes are part of the vault's used bytes")

  // once stale they cannot be replayed (freshness refuses them), so they are forgotten: here the clock
  // is taken past their maximum age rather than waited for
  assert.equal(vault.farmer.db.pruneReceipts(MAX_AGE_MS, Date.now() + MAX_AGE_MS + 1_000), PER_CHUNK)
  assert.equal(vault.farmer.db.receiptsRemembered(), 0)
  assert.deepEqual(await send(Date.now()), { s: 'ok' }, 'the chunk takes fresh receipts again')
  assert.deepEqual(await send(Date.now() - MAX_AGE_MS - 60_000), {
    s: 'refused',
    reason: 'the receipt is not fresh',
  })
})

test('the receipt bounds hold across a reopen of farm.db, and pruning frees their places', async (t) => {
  const dir = await tempDir(t)
  const limits = { maxAgeMs: MAX_AGE_MS, perClient: 5, perChunk: 3, total: 100 }
  const now = Date.now()
  const sight = (db: FarmDb, i: number, client: string, chunk: string, at = now) =>
    db.sight({ hash: `h${i}`, client, chunk, at }, limits)
  const db = new FarmDb(join(dir, 'farm.db'))
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => sight(db, i, 'c1', 'k1', now - MAX_AGE_MS + 10_000)),
    ['new', 'new', 'new', 'chunk-full'],
  )
  assert.equal(sight(db, 0, 'c2', 'k2'), 'replay')
  assert.deepEqual(
    [4, 5, 6].map((i) => sight(db, i, 'c1', `k${i}`)),
    ['new', 'new', 'client-full'],
  )
  db.close()
  const again = new FarmDb(join(dir, 'farm.db'))
  t.after(() => again.close())
  assert.equal(sight(again, 7, 'c1', 'k7'), 'client-full', 'the counts are read back')
  assert.equal(sight(again, 8, 'c3', 'k1'), 'chunk-full')
  assert.equal(again.pruneReceipts(MAX_AGE_MS, now + 20_000), 3)
  assert.equal(sight(again, 9, 'c3', 'k1'), 'new', "the stale receipts' places are free again")
  assert.equal(sight(again, 10, 'c1', 'k10'), 'new')
})
