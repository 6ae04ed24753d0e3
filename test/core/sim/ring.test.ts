import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { Ring, prefix48 } from '../../../main/core/sim/ring.ts'
import { Rng } from '../../../main/core/sim/rng.ts'

test('the ring finds every one of the K vaults nearest a key among the live ones', () => {
  const rng = new Rng(7)
  const count = 5000
  const ids = new Uint8Array(count * 32)
  for (let i = 0; i < count; i++) ids.set(kadKey(rng.bytes(new Uint8Array(32))), i * 32)
  const ring = new Ring(ids, count)
  const peers = Array.from({ length: count }, (_, slot) => ({
    slot,
    kadId: ids.subarray(slot * 32, slot * 32 + 32),
  }))
  for (const p of peers) if (rng.uniform() < 0.6) ring.setLive(p.slot, true)
  const live = peers.filter((p) => ring.isLive(p.slot))
  for (let trial = 0; trial < 200; trial++) {
    const key = kadKey(rng.bytes(new Uint8Array(32)))
    const want = 1 + rng.int(12)
    const found = ring.near(prefix48(key), want, [])
    const nearest = closestFirst(key, live).slice(0, want)
    for (const p of nearest) assert.ok(found.includes(p.slot), `vault ${p.slot} missing for want ${want}`)
    assert.ok(found.every((slot) => ring.isLive(slot)))
  }
})

test('the seeded random source replays the same numbers', () => {
  const a = new Rng(42)
  const b = new Rng(42)
  for (let i = 0; i < 100; i++) assert.equal(a.uniform(), b.uniform())
  const mean = Array.from({ length: 20000 }, () => a.weibull(0.5, 10)).reduce((s, x) => s + x, 0) / 20000
  assert.ok(mean > 8 && mean < 12, `Weibull mean ${mean}`)
})
