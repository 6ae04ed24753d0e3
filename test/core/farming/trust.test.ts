// The trust table: a wrong proof costs trust at once; misses and silence only
// when they repeat in a row; a pass in between forgives.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { FarmDb, TrustTable } from '../../../main/core/farming/index.ts'
import { tempDir } from '../../helpers.ts'

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

test('refusals count as misses; "vault full" is honest up to a point, then counts too', () => {
  const trust = new TrustTable({ missLimit: 2, fullLimit: 3 })
  trust.record('refuser', 'refused')
  trust.record('refuser', 'refused')
  assert.equal(trust.isTrusted('refuser'), false)
  assert.match(trust.distrusted()[0]!.why, /2 storage proofs in a row refused/)

  for (let i = 0; i < 3; i++) trust.record('full', 'full')
  assert.equal(trust.isTrusted('full'), true, 'three "vault full" answers are taken as honest')
  trust.record('full', 'pass')
  for (let i = 0; i < 3; i++) trust.record('full', 'full')
  assert.equal(trust.isTrusted('full'), true, 'a pass starts the count again')
  trust.record('full', 'full')
  trust.record('full', 'full')
  assert.equal(trust.isTrusted('full'), false, 'full for every challenge: it holds nothing its place asks')
  assert.match(trust.distrusted()[1]!.why, /vault full/)
})

test('judgements are kept in farm.db: a new table over the same file distrusts the same vaults', async (t) => {
  const dir = await tempDir(t)
  const db = new FarmDb(join(dir, 'farm.db'))
  const trust = new TrustTable({ store: db })
  trust.record('liar', 'wrong')
  trust.record('slow', 'timeout')
  db.close()
  const again = new FarmDb(join(dir, 'farm.db'))
  t.after(() => again.close())
  const reloaded = new TrustTable({ store: again })
  assert.deepEqual(reloaded.distrusted(), [{ peer: 'liar', why: 'answered a storage proof wrongly' }])
  reloaded.record('slow', 'timeout')
  assert.equal(reloaded.isTrusted('slow'), false, 'the miss before the restart still counts')
})
