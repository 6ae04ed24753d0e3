// The simulator against a real network: the same vaults (their real positions),
// the same chunks, the same vaults killed at once, with the detection delay and
// the repair rate measured on this machine as the simulator's parameters. The
// simulator must name the vaults that hold each chunk after repair; the two
// repair times are printed beside each other (a test does not time: on a loaded
// machine the real one stretches). More vaults:
// PEERDRIVE_SIM_VALIDATE_VAULTS=20 npm test -- test/core/sim/validation.test.ts
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { CHURN_MODELS, simConfig, simulate } from '../../../main/core/sim/index.ts'
import { holdersOf, startNodes, waitFor } from '../net/support.ts'

const VAULTS = Number(process.env.PEERDRIVE_SIM_VALIDATE_VAULTS ?? 12)
const CHUNKS = 3 * VAULTS
const CHUNK_BYTES = 64 * 1024
/** Share of the chunks for which every holder the simulator names holds it in the real network too. */
const SAME_HOLDERS = 0.9

test(`the simulator predicts a ${VAULTS}-vault network's repair after the same kills`, async (t) => {
  const nodes = await startNodes(t, VAULTS)

  // each chunk on its close group, as a PUT places it
  const chunks = Array.from({ length: CHUNKS }, () => randomBytes(CHUNK_BYTES))
  const addresses = chunks.map((b) => chunkAddress(b))
  const byKey = new Map(nodes.map((n) => [n.peers.self.key, n]))
  for (const [i, bytes] of chunks.entries()) {
    const group = closeGroup(
      addresses[i]!,
      nodes.map((n) => n.peers.self),
    )
    for (const peer of group) await byKey.get(peer.key)!.vault.put(addresses[i]!, bytes)
  }

  // the repair rate of this machine: one vault sending copies, 8 chunks at a time (a Repairer's lanes)
  const sender = nodes[0]!
  const probes = Array.from({ length: 16 }, () => randomBytes(CHUNK_BYTES))
  let sent = 0
  const began = performance.now()
  for (let i = 0; i < probes.length; i += 8)
    await Promise.all(
      probes.slice(i, i + 8).map(async (b) => {
        sent += (await sender.network.putWithResult(chunkAddress(b), b)).copies * CHUNK_BYTES
      }),
    )
  const uploadBps = sent / ((performance.now() - began) / 1000)
  await Promise.all(probes.map((b) => Promise.all(nodes.map((n) => n.vault.delete(chunkAddress(b))))))

  // a sixth of the vaults gone at once, the ones holding most: their connections close
  const held = await Promise.all(
    nodes.map(async (n) => (await Promise.all(addresses.map((a) => n.vault.has(a)))).filter(Boolean).length),
  )
  const victims = nodes
    .map((_, i) => i)
    .sort((a, b) => held[b]! - held[a]!)
    .slice(0, Math.max(1, Math.floor(VAULTS / 6)))
  const killedAt = performance.now()
  await Promise.all(victims.map((i) => nodes[i]!.stop()))
  const survivors = nodes.filter((_, i) => !victims.includes(i))
  const fourCopies = async () => {
    for (const address of addresses) if ((await holdersOf(survivors, address)).length < 4) return false
    return true
  }
  await waitFor(fourCopies, 120_000, 'four copies of every chunk again')
  const realS = (performance.now() - killedAt) / 1000

  const run = simulate(
    simConfig({
      vaults: VAULTS,
      chunks: CHUNKS,
      days: 1 / 24,
      churn: CHURN_MODELS.none!,
      ids: nodes.map((n) => n.peers.self.kadId),
      addresses,
      chunkBytes: CHUNK_BYTES,
      uploadBps,
      transferLatencyS: 0,
      capacityBytes: 64 * 2 ** 20,
      kills: [{ atS: 1, slots: victims, permanent: true }],
    }),
  )
  const indexOf = new Map(nodes.map((n, i) => [n, i]))
  let same = 0
  for (const [c, address] of addresses.entries()) {
    const real = new Set((await holdersOf(survivors, address)).map((n) => indexOf.get(n)!))
    // a real put that timed out on a busy machine passes over to one more vault: an extra holder, not a wrong one
    if (run.holdersOf(c).every((slot) => real.has(slot))) same++
  }
  const simS = run.figures.restored_s
  t.diagnostic(
    `vaults ${VAULTS}, chunks ${CHUNKS}, killed ${victims.length}; same holders ${same}/${CHUNKS}; ` +
      `repair real ${realS.toFixed(2)} s, simulated ${simS?.toFixed(2)} s at ${(uploadBps / 2 ** 20).toFixed(1)} MiB/s per vault`,
  )
  assert.equal(run.figures.chunks_lost, 0)
  assert.equal(run.figures.copies_mean_end >= 4, true)
  assert.ok(
    same >= SAME_HOLDERS * CHUNKS,
    `the simulator named the holders of only ${same} of ${CHUNKS} chunks`,
  )
  assert.ok(simS !== null, 'the simulated network never got back to four copies')
})
