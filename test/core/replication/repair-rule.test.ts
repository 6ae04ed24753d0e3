import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { closestFirst, kadKey, kadLead } from '../../../main/core/placement/index.ts'
import {
  leadsRepair,
  passOver,
  rankedInGroup,
  wasInGroup,
} from '../../../main/core/replication/repair-rule.ts'

const peer = (name: string) => ({ key: name, kadId: kadKey(Buffer.from(name)) })
const peers = Array.from({ length: 10 }, (_, i) => peer(`v${i}`))
const address = Buffer.from('chunk')
const ranked = closestFirst(kadKey(address), peers)
const group = ranked.slice(0, 4)

test('the closest holder in the group leads the repair, and only it', () => {
  const [a, b, c] = group
  assert.equal(leadsRepair(group, a!, [b!, c!]), true)
  assert.equal(leadsRepair(group, b!, [a!, c!]), false)
  // a closer member that does not hold the item does not lead
  assert.equal(leadsRepair(group, b!, [c!]), true)
})

test('a holder outside the group leads only when no member holds the item', () => {
  const outside = ranked[6]!
  assert.equal(leadsRepair(group, outside, []), true)
  assert.equal(leadsRepair(group, outside, [group[3]!]), false)
})

test('a lost vault leaves to check only the items whose group it was in', () => {
  const lost = group[1]!
  const others = peers.filter((p) => p !== lost)
  assert.equal(wasInGroup(address, others, lost, 4), true)
  const far = ranked[8]!
  assert.equal(
    wasInGroup(
      address,
      peers.filter((p) => p !== far),
      far,
      4,
    ),
    false,
  )
})

test('a declined copy goes to the next closest vault not yet offered', () => {
  const offered: string[] = []
  const declines = new Set(['m1', 's1'])
  const offers = passOver(['m1', 'm2'], ['s1', 's2', 's3'])
  for (let offer = offers.next(); !offer.done;) {
    offered.push(offer.value)
    offer = offers.next(!declines.has(offer.value))
  }
  assert.deepEqual(offered, ['m1', 's1', 's2', 'm2'])
})

test('when every spare declines, the offers end', () => {
  const offered: string[] = []
  const offers = passOver(['m1'], ['s1'])
  for (let offer = offers.next(); !offer.done;) {
    offered.push(offer.value)
    offer = offers.next(false)
  }
  assert.deepEqual(offered, ['m1', 's1'])
})

test('counting the closer vaults decides as ranking them all does', () => {
  for (let trial = 0; trial < 200; trial++) {
    const many = Array.from({ length: 1 + (trial % 30) }, (_, i) => ({
      key: `k${i}`,
      kadId: randomBytes(32),
    }))
    const lost = many[trial % many.length]!
    const others = many.filter((p) => p !== lost)
    const target = randomBytes(32)
    const ranks = closestFirst(target, [...others, lost])
      .slice(0, 4)
      .some((p) => p.key === lost.key)
    assert.equal(rankedInGroup(target, others, lost, 4), ranks)
    const led = <T extends { kadId: Uint8Array }>(p: T) => ({ ...p, kadLead: kadLead(p.kadId) })
    assert.equal(rankedInGroup(target, others.map(led), led(lost), 4), ranks)
  }
})
