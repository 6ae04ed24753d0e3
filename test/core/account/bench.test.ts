// The account benchmark reports the cost of a guess against a bare hash.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { benchAccount } from '../../../main/core/account/bench.ts'

test('bench account measures argon2id per guess against SHA-256 in the same run', async () => {
  const lines: string[] = []
  const f = await benchAccount({
    rounds: 3,
    kdf: { memoryKiB: 8192, passes: 2, parallelism: 1 },
    log: (l) => lines.push(l),
  })
  assert.equal(f.kdf_memory_mib, 8)
  assert.ok(f.kdf_ms_per_guess > 0 && f.sha256_us_per_guess > 0)
  // the ratio of the two figures, within the rounding of kdf_ms_per_guess
  const expected = (f.kdf_ms_per_guess * 1000) / f.sha256_us_per_guess
  assert.ok(
    Math.abs(f.slowdown_vs_sha256 - expected) <= expected * 0.1,
    `${f.slowdown_vs_sha256} vs ${expected}`,
  )
  assert.equal(lines.length, 3)
})
