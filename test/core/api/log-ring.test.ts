import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LogRing, levelOf } from '../../../main/core/api/index.ts'

test('the log ring keeps the newest lines, filters by level and tells listeners', () => {
  const ring = new LogRing(3)
  const seen: string[] = []
  const off = ring.onEntry((e) => seen.push(e.text))
  ring.push('node started')
  ring.push('lost vault abc; repairing', 'warn')
  ring.push('upload failed: no peers', 'error')
  ring.push('peers: 4')
  assert.deepEqual(
    ring.recent().map((e) => e.text),
    ['lost vault abc; repairing', 'upload failed: no peers', 'peers: 4'],
  )
  assert.deepEqual(
    ring.recent({ level: 'warn' }).map((e) => e.level),
    ['warn', 'error'],
  )
  assert.deepEqual(
    ring.recent({ level: 'error' }).map((e) => e.text),
    ['upload failed: no peers'],
  )
  assert.deepEqual(
    ring.recent({ limit: 1 }).map((e) => e.text),
    ['peers: 4'],
  )
  off()
  ring.push('after')
  assert.equal(seen.length, 4)
  assert.ok(ring.recent().every((e, i, all) => i === 0 || e.seq > all[i - 1]!.seq))
})

test('a line without a level gets one from its words', () => {
  assert.equal(levelOf('the upload failed'), 'error')
  assert.equal(levelOf('lost vault 12'), 'warn')
  assert.equal(levelOf('account abc open'), 'info')
})
