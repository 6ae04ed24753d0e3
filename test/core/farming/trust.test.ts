// The trust table: a wrong proof costs trust at once; misses and silence only
// when they repeat in a row; a pass in between forgives.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TrustTable } from '../../../main/core/farming/index.ts'

test('wrong answers are distrusted at once, misses and timeouts only in a row', () => {
  const trust = new TrustTable()
  const told: string[] = []
  trust.onDistrust((peer, why) => told.push(`${peer}: ${why}`))
  trust.record('liar', 'wrong')
  assert.equal(trust.isTrusted('liar'), false)

  trust.record('slow', 'timeout')
  trust.record('slow', 'pass')
  trust.record('slow', 'timeout')
  trust.record('slow', 'neutral')
  assert.equal(trust.isTrusted('slow'), true, 'a pass forgives, a neutral answer changes nothing')
  trust.record('slow', 'timeout')
  assert.equal(trust.isTrusted('slow'), false)

  trust.record('empty', 'missing')
  assert.equal(trust.isTrusted('empty'), true)
  trust.record('empty', 'missing')
  assert.equal(trust.isTrusted('empty'), false)
  trust.record('empty', 'missing')
  assert.deepEqual(told, [
    'liar: answered a storage proof wrongly',
    'slow: 2 storage proofs in a row unanswered',
    'empty: 2 storage proofs in a row missing the chunk',
  ])
})
