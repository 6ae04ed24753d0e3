// The id-work benchmark reports what an identity and a chosen place cost, against the bare rate of making keys.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { benchIdWork } from '../../../main/core/net/id-work-bench.ts'

test('bench id-work measures identities at the asked work against the rate of making keys', async () => {
  const lines: string[] = []
  const f = await benchIdWork({ bits: 6, ids: 3, log: (l) => lines.push(l) })
  assert.equal(f.bits, 6)
  assert.ok(f.keys_per_s > 0)
  assert.equal(f.work_ratio, 64)
  assert.ok(Math.abs(f.identity_s_expected - 64 / f.keys_per_s) < 1e-9)
  assert.ok(f.identity_s_max >= f.identity_s_p50 && f.identity_s_p50 > 0)
  // a place among 4 of N vaults costs N / 4 identities
  assert.ok(Math.abs(f.chosen_place_s_1000_vaults - 250 * f.identity_s_expected) < 1e-6)
  assert.equal(lines.length, 4)
})
