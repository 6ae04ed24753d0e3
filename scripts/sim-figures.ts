// One simulation run's figures with the CPU and wall time it took, for
// comparing two versions of the simulator on the same seed:
// node scripts/sim-figures.ts <vaults> <chunks> <days> [seed]
import { CHURN_MODELS, simConfig, simulate } from '../main/core/sim/index.ts'

const [vaults = '10000', chunks = '10000', days = '7', seed = '1'] = process.argv.slice(2)
const cpu = process.cpuUsage()
const began = performance.now()
const run = simulate(
  simConfig({
    vaults: Number(vaults),
    chunks: Number(chunks),
    days: Number(days),
    churn: CHURN_MODELS.home!,
    seed: Number(seed),
  }),
  (p) => process.stderr.write(`day ${p.day.toFixed(2)}, ${(p.events / 1e6).toFixed(2)} M events\n`),
)
const used = process.cpuUsage(cpu)
process.stdout.write(
  `${JSON.stringify({
    ...run.figures,
    cpu_s: (used.user + used.system) / 1e6,
    wall_s: (performance.now() - began) / 1000,
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
)
