import assert from 'node:assert/strict'
import { test } from 'node:test'
import { annualLoss, atLeast, confidence, nines } from '../../../main/core/sim/durability.ts'

const DAY = 86_400

function chain(repairPerDay: number) {
  // four copies, each lost once in 100 days, repaired at the given rate when below four
  const timeAt = new Float64Array(8)
  const up = new Float64Array(8)
  const down = new Float64Array(8)
  timeAt[4] = 1000 * DAY
  down[4] = (4 * 1000) / 100
  timeAt[3] = 10 * DAY
  up[3] = repairPerDay * 10
  down[3] = (3 * 10) / 100
  return { timeAt, up, down, start: 4, need: 1, availability: 1, repairRate: 0, correlated: null }
}

test('faster repair buys nines; no repair loses a chunk within the lifetimes of its copies', () => {
  const slow = nines(annualLoss(chain(1)))
  const fast = nines(annualLoss(chain(100)))
  assert.ok(fast > slow + 2, `fast ${fast}, slow ${slow}`)
  const none = annualLoss(chain(0))
  assert.ok(none > 0.5, `without repair the annual loss is ${none}`)
})

test('a mass failure adds the chance that every copy was inside it', () => {
  const input = { ...chain(1000), correlated: { perYear: 1, share: 0.1 } }
  const p = annualLoss(input)
  assert.ok(p >= 0.1 ** 4 * 0.99, `annual loss ${p}`)
})

test('binomial tails and confidence intervals', () => {
  assert.ok(Math.abs(atLeast(4, 1, 0.5) - 15 / 16) < 1e-12)
  assert.ok(Math.abs(atLeast(4, 4, 0.5) - 1 / 16) < 1e-12)
  assert.equal(atLeast(3, 4, 0.9), 0)
  const { mean, ci } = confidence([10, 11, 12])
  assert.equal(mean, 11)
  assert.ok(ci && ci[0] < 11 && ci[1] > 11)
  assert.equal(confidence([5]).ci, null)
})
