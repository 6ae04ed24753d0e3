import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { benchSelfenc } from '../../../main/core/selfenc/bench.ts'

// Only the shape of the report: timings depend on the machine and its load.
describe('selfenc bench', () => {
  it('reports pipeline and baseline throughput and their ratios', async () => {
    const lines: string[] = []
    const r = await benchSelfenc({ sizeMiB: 8, rounds: 1, log: (l) => lines.push(l) })
    for (const key of [
      'encrypt_mbps',
      'decrypt_mbps',
      'baseline_mbps',
      'encrypt_ratio',
      'decrypt_ratio',
    ] as const) {
      assert.ok(Number.isFinite(r[key]) && r[key] > 0, `${key} = ${r[key]}`)
    }
    assert.equal(r.size_mib, 8)
    assert.ok(lines.length >= 2)
  })

  it('rejects a bad size', async () => {
    await assert.rejects(benchSelfenc({ sizeMiB: 0 }), RangeError)
  })
})
