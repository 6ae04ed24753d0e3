// The seed's minimum network, sixty vaults, as real processes on this
// machine (ten to a process): the median vault holds links to far fewer than
// all, lookups reach a group in a few rounds, files read back byte-identical,
// and when 5% of the vaults are killed at once every chunk is back at four
// copies and no file is lost. (The benchmark runs the same at 100, 300 and 1,000 vaults:
// docs/PERFORMANCE.md.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { benchScale } from '../../../main/core/testnet/bench-scale.ts'

const NODES = Number(process.env.PEERDRIVE_SCALE_TEST_NODES ?? 60)

test(`${NODES} vaults: routing, not a mesh; 5% killed at once loses no file and repairs to four copies`, async (t) => {
  const { runs } = await benchScale({
    nodes: [NODES],
    perProcess: 10,
    files: 2,
    fileMiB: 4,
    repairTimeoutMs: 300_000,
    // the idle CPU figure is the benchmark's: here a short look, with no wait to settle
    idleSettleMs: 0,
    idleMeasureMs: 2_000,
    log: (line) => t.diagnostic(line),
  })
  const run = runs[0]!
  t.diagnostic(JSON.stringify(run))
  assert.equal(run.nodes, NODES)
  // the first vaults are met by every newcomer and keep those links while busy: the median is the measure
  assert.ok(
    run.conns_p50 <= 0.75 * (NODES - 1),
    `the median vault holds ${run.conns_p50} links of ${NODES - 1} (busiest ${run.conns_max})`,
  )
  if (run.hops_p99 !== null) assert.ok(run.hops_p99 <= 6, `lookups take ${run.hops_p99} rounds`)
  assert.equal(run.killed, Math.round(NODES * 0.05))
  assert.equal(run.files_lost, 0)
  assert.equal(run.under_replicated, 0)
  assert.ok(run.repair_s !== null, 'every chunk back at four copies')
})
