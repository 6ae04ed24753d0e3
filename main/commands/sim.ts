// `peerdrive sim`: a simulated network of up to 100,000 vaults deciding with
// PeerDrive's own placement and repair rules; prints durability and repair
// figures over repeated runs.
import { UsageError } from '../core/errors.ts'
import { CHURN_MODELS, DEFAULTS, runMany, simConfig } from '../core/sim/index.ts'
import { validateAgainstTestnet } from '../core/sim/validate.ts'
import type { Kill } from '../core/sim/index.ts'
import type { Command, OptionValues } from './command.ts'
import { intOption, printFigures, stringOption } from './command.ts'

function numberOption(values: OptionValues, name: string, fallback: number): number {
  const v = stringOption(values, name)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`--${name} must be a positive number, got "${v}"`)
  return n
}

function erasureOption(values: OptionValues): { k: number; m: number } | undefined {
  const v = stringOption(values, 'rs')
  if (v === undefined) return undefined
  const match = /^(\d+)\+(\d+)$/.exec(v)
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1)
    throw new UsageError(`--rs is data+parity fragments, e.g. 8+24, got "${v}"`)
  return { k: Number(match[1]), m: Number(match[2]) }
}

/** `--kill 0.1@2` takes a tenth of the online vaults, permanently, on day 2; `0.1@2:away` brings them back. */
function killOption(values: OptionValues): Kill[] {
  const v = stringOption(values, 'kill')
  if (v === undefined) return []
  const match = /^(0?\.\d+|1)@(\d+(?:\.\d+)?)(:away)?$/.exec(v)
  if (!match) throw new UsageError(`--kill is <share>@<day>[:away], e.g. 0.1@2, got "${v}"`)
  return [{ share: Number(match[1]), atS: Number(match[2]) * 86_400, permanent: match[3] === undefined }]
}

export const simCommand: Command = {
  path: ['sim'],
  usage:
    'sim --vaults <N> --chunks <M> --days <D> [--churn home|always-on|filesharing|none] [--r 4] [--rs <k+m>] [--runs <K>] [--seed <S>] [--disk-gib <G>] [--fill <share>] [--upload-mbps <U>] [--kill <share>@<day>[:away]] [--json] | sim --validate --vaults <N> [--per-process <K>] [--chunks <M>] [--json]',
  positionals: 0,
  options: {
    vaults: { type: 'string' },
    chunks: { type: 'string' },
    days: { type: 'string' },
    churn: { type: 'string' },
    r: { type: 'string' },
    rs: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    'disk-gib': { type: 'string' },
    fill: { type: 'string' },
    'upload-mbps': { type: 'string' },
    kill: { type: 'string' },
    json: { type: 'boolean' },
    validate: { type: 'boolean' },
    'per-process': { type: 'string' },
  },
  async run(values) {
    if (values.validate === true) {
      const json = values.json === true
      const vaults = intOption(values, 'vaults', 60, 8)
      const result = await validateAgainstTestnet({
        vaults,
        perProcess: intOption(values, 'per-process', Math.min(10, vaults)),
        chunks: intOption(values, 'chunks', 3 * vaults),
        log: (line) => process.stderr.write(`${line}\n`),
      })
      printFigures({ ...result }, json)
      if (!result.passed) process.exitCode = 1
      return
    }
    const churnName = stringOption(values, 'churn') ?? 'home'
    const churn = CHURN_MODELS[churnName]
    if (!churn)
      throw new UsageError(`--churn is one of ${Object.keys(CHURN_MODELS).join(', ')}, got "${churnName}"`)
    const fill = numberOption(values, 'fill', DEFAULTS.fill)
    if (fill >= 1) throw new UsageError(`--fill is a share of the donated space below 1, got ${fill}`)
    const cfg = simConfig({
      vaults: intOption(values, 'vaults', DEFAULTS.vaults, 8),
      chunks: intOption(values, 'chunks', DEFAULTS.chunks),
      days: numberOption(values, 'days', DEFAULTS.days),
      replicas: intOption(values, 'r', DEFAULTS.replicas),
      erasure: erasureOption(values),
      churn,
      seed: intOption(values, 'seed', DEFAULTS.seed, 0),
      diskGiB: numberOption(values, 'disk-gib', DEFAULTS.diskGiB),
      fill,
      uploadMbps: numberOption(values, 'upload-mbps', DEFAULTS.uploadMbps),
      kills: killOption(values),
    })
    const json = values.json === true
    const runs = intOption(values, 'runs', 1)
    const started = Date.now()
    const seconds = () => ((Date.now() - started) / 1000).toFixed(0)
    const summary = runMany(
      cfg,
      runs,
      (i, f) => {
        if (!json)
          process.stderr.write(
            `run ${i + 1}/${runs}: ${f.chunks_lost} lost, ${f.durability_nines?.toFixed(2) ?? '–'} nines, ${seconds()} s\n`,
          )
      },
      // a long run says where it is on stderr, so --json output stays one object
      (i, p) =>
        process.stderr.write(
          `run ${i + 1}/${runs}: day ${p.day.toFixed(1)} of ${cfg.days}, ${(p.events / 1e6).toFixed(1)} M events, ` +
            `${(p.checks / 1e6).toFixed(1)} M checks, RSS ${(process.memoryUsage.rss() / 2 ** 30).toFixed(2)} GiB, ${seconds()} s\n`,
        ),
    )
    printFigures(
      {
        ...summary,
        durability_nines_ci: summary.durability_nines_ci?.map((x) => Number(x.toFixed(2))).join('–') ?? null,
        wall_s: (Date.now() - started) / 1000,
        peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      json,
    )
  },
}
