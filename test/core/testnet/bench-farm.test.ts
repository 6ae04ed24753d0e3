// The farming benchmark runs on a real in-process network and reports each
// figure against the record-GET baseline measured in the same run.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { benchFarm } from '../../../main/core/testnet/bench-farm.ts'

test('bench farm mints, verifies and proves, pays for storage and weighs receipts, on live networks', async () => {
  const lines: string[] = []
  const f = await benchFarm({ nodes: 5, rounds: 3, log: (l) => lines.push(l) })
  assert.equal(f.nodes, 5)
  assert.equal(f.rounds, 3)
  for (const v of [
    f.record_get_ms_p50,
    f.claim_ms_p50,
    f.verify_ms_p50,
    f.proof_round_ms_p50,
    f.receipt_overhead_ratio_target_1,
    f.receipt_overhead_ratio,
    f.grant_ms_p50,
    f.paid_put_batch_ms_p50,
    f.free_put_batch_ms_p50,
  ])
    assert.ok(v > 0)
  assert.ok(Math.abs(f.paid_vs_free_put - f.paid_put_batch_ms_p50 / f.free_put_batch_ms_p50) < 0.05)
  assert.ok(Math.abs(f.claim_vs_record_get - f.claim_ms_p50 / f.record_get_ms_p50) < 0.05)
  assert.ok(f.claim_ms_p99 >= f.claim_ms_p50)
  assert.deepEqual(lines, [
    '5 vaults up; 3 rounds',
    'paid storage: grants and batches of puts',
    'receipts at target 1',
    'a second network at the default target, storing without tickets',
  ])
})
