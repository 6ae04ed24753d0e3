import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { CHURN_MODELS, simConfig, simulate } from '../../../main/core/sim/index.ts'
import { Rng } from '../../../main/core/sim/rng.ts'

test('one seed replays one run', () => {
  const cfg = simConfig({ vaults: 300, chunks: 600, days: 2, churn: CHURN_MODELS.home!, seed: 3 })
  assert.deepEqual(simulate(cfg).figures, simulate(cfg).figures)
})

test('after vaults die, every chunk is back on the close group of the survivors', () => {
  const rng = new Rng(11)
  const ids = Array.from({ length: 50 }, () => rng.bytes(new Uint8Array(32)))
  const addresses = Array.from({ length: 200 }, () => rng.bytes(new Uint8Array(32)))
  const victims = [3, 17, 29, 41]
  const run = simulate(
    simConfig({
      vaults: 50,
      chunks: 200,
      days: 1 / 24,
      churn: CHURN_MODELS.none!,
      ids,
      addresses,
      chunkBytes: 2 ** 20,
      uploadBps: 10 * 2 ** 20,
      capacityBytes: 2 ** 30,
      kills: [{ atS: 10, slots: victims, permanent: true }],
    }),
  )
  assert.equal(run.figures.chunks_lost, 0)
  assert.ok(run.figures.restored_s !== null && run.figures.restored_s > 0)
  assert.ok(run.figures.min_copies < 4, 'the kills took copies')
  const survivors = ids.map((kadId, slot) => ({ slot, kadId })).filter((p) => !victims.includes(p.slot))
  for (const [c, address] of addresses.entries()) {
    const group = closeGroup(address, survivors).map((p) => p.slot)
    const holders = run.holdersOf(c)
    for (const slot of group) assert.ok(holders.includes(slot), `chunk ${c}: group member ${slot} lacks it`)
    assert.equal(holders.length, 4)
  }
})

test('a 10,000-vault network under home churn for two days', () => {
  const run = simulate(
    simConfig({ vaults: 10_000, chunks: 10_000, days: 2, churn: CHURN_MODELS.home!, seed: 5 }),
  )
  const f = run.figures
  assert.ok(f.availability > 0.4 && f.availability < 0.6, `availability ${f.availability}`)
  assert.ok(f.repairs > 0)
  assert.ok(f.repair_gib_per_vault_day > 0)
  assert.ok(f.copies_mean_end >= 4, `copies ${f.copies_mean_end}`)
  assert.ok(f.seconds_below_r > 0 && f.seconds_below_r <= 2 * 86_400)
})

test('Reed–Solomon fragments: a chunk survives while k of its fragments do', () => {
  const f = simulate(
    simConfig({
      vaults: 400,
      chunks: 200,
      days: 1,
      churn: CHURN_MODELS.home!,
      erasure: { k: 4, m: 12 },
      seed: 2,
    }),
  ).figures
  assert.equal(f.chunks_lost, 0)
  assert.ok(f.copies_mean_end >= 16, `fragments ${f.copies_mean_end}`)
})

test('a run starts from given holders, extra copies included, and repairs from them', () => {
  const rng = new Rng(12)
  const ids = Array.from({ length: 40 }, () => rng.bytes(new Uint8Array(32)))
  const addresses = Array.from({ length: 60 }, () => rng.bytes(new Uint8Array(32)))
  const peers = ids.map((kadId, slot) => ({ slot, kadId }))
  // each chunk on its close group and on one vault outside it
  const holders = addresses.map((a, c) => {
    const group = closeGroup(a, peers).map((p) => p.slot)
    const extra = [...Array(40).keys()].find((s) => !group.includes(s) && (s + c) % 7 === 0)!
    return [...group, extra]
  })
  const victims = [1, 2, 3]
  const run = simulate(
    simConfig({
      vaults: 40,
      chunks: 60,
      days: 1 / 24,
      churn: CHURN_MODELS.none!,
      ids,
      addresses,
      holders,
      chunkBytes: 2 ** 20,
      uploadBps: 10 * 2 ** 20,
      capacityBytes: 2 ** 30,
      kills: [{ atS: 10, slots: victims, permanent: true }],
    }),
  )
  const survivors = peers.filter((p) => !victims.includes(p.slot))
  for (const [c, address] of addresses.entries()) {
    const now = run.holdersOf(c)
    for (const slot of holders[c]!)
      if (!victims.includes(slot)) assert.ok(now.includes(slot), `chunk ${c} lost ${slot}`)
    for (const p of closeGroup(address, survivors))
      assert.ok(now.includes(p.slot), `chunk ${c}: ${p.slot} lacks it`)
  }
  assert.equal(run.figures.chunks_lost, 0)
})

test("a vault's lanes bound the chunks it repairs at once; the chunks that wait for one are all repaired", () => {
  const rng = new Rng(13)
  const ids = Array.from({ length: 30 }, () => rng.bytes(new Uint8Array(32)))
  const addresses = Array.from({ length: 300 }, () => rng.bytes(new Uint8Array(32)))
  const victims = [4, 9, 21]
  const restore = (lanes: number) => {
    const run = simulate(
      simConfig({
        vaults: 30,
        chunks: 300,
        days: 1 / 24,
        churn: CHURN_MODELS.none!,
        ids,
        addresses,
        chunkBytes: 2 ** 20,
        uploadBps: 10 * 2 ** 20,
        capacityBytes: 2 ** 30,
        // a second per transfer besides its bytes: lanes overlap it, one lane waits it out each time
        transferLatencyS: 1,
        lanes,
        kills: [{ atS: 10, slots: victims, permanent: true }],
      }),
    )
    const survivors = ids.map((kadId, slot) => ({ slot, kadId })).filter((p) => !victims.includes(p.slot))
    for (const [c, address] of addresses.entries()) {
      const holders = run.holdersOf(c)
      for (const p of closeGroup(address, survivors))
        assert.ok(holders.includes(p.slot), `${lanes} lanes, chunk ${c}: group member ${p.slot} lacks it`)
    }
    assert.equal(run.figures.chunks_lost, 0)
    assert.ok(run.figures.restored_s !== null, `${lanes} lanes: restored`)
    return run.figures.restored_s
  }
  const one = restore(1)
  const eight = restore(8)
  // each leader's chunks waited for its one lane, a second of latency apiece
  assert.ok(one > 2 * eight, `1 lane ${one} s, 8 lanes ${eight} s`)
})

test('vaults that share one host’s capacity send their copies one after another', () => {
  const rng = new Rng(17)
  const ids = Array.from({ length: 30 }, () => rng.bytes(new Uint8Array(32)))
  const addresses = Array.from({ length: 200 }, () => rng.bytes(new Uint8Array(32)))
  const restore = (sharedUploadBps: number | undefined) =>
    simulate(
      simConfig({
        vaults: 30,
        chunks: 200,
        days: 1 / 24,
        churn: CHURN_MODELS.none!,
        ids,
        addresses,
        chunkBytes: 2 ** 20,
        uploadBps: 2 ** 20,
        ...(sharedUploadBps ? { sharedUploadBps } : {}),
        capacityBytes: 2 ** 30,
        transferLatencyS: 0,
        kills: [{ atS: 10, slots: [3, 11, 20], permanent: true }],
      }),
    ).figures
  const alone = restore(undefined)
  const shared = restore(2 ** 20)
  assert.equal(shared.chunks_lost, 0)
  assert.ok(alone.restored_s !== null && shared.restored_s !== null)
  // every copy at 1 MiB/s through one host: at least a second per copy made
  assert.ok(shared.restored_s >= shared.repairs, `${shared.restored_s} s for ${shared.repairs} copies`)
  assert.ok(
    shared.restored_s > 2 * alone.restored_s,
    `shared ${shared.restored_s} s, alone ${alone.restored_s} s`,
  )
})
