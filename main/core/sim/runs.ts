// Repeated runs with different seeds, summarised: every figure's mean, and a
// 95 % confidence interval for the durability.
import type { SimConfig } from './config.ts'
import { confidence } from './durability.ts'
import { simulate } from './simulator.ts'
import type { SimFigures, SimProgress } from './simulator.ts'

export interface SimSummary extends Omit<SimFigures, 'durability_nines' | 'restored_s'> {
  runs: number
  churn: string
  redundancy: string
  durability_nines: number | null
  durability_nines_ci: [number, number] | null
  restored_s: number | null
  /** Worst run's lost chunks and fewest copies, beside the means. */
  chunks_lost_max: number
}

export function runMany(
  cfg: SimConfig,
  runs: number,
  onRun?: (i: number, f: SimFigures) => void,
  onProgress?: (i: number, p: SimProgress) => void,
): SimSummary {
  const all: SimFigures[] = []
  for (let i = 0; i < runs; i++) {
    const figures = simulate({ ...cfg, seed: cfg.seed + i }, onProgress && ((p) => onProgress(i, p))).figures
    onRun?.(i, figures)
    all.push(figures)
  }
  const mean = (pick: (f: SimFigures) => number) => all.reduce((s, f) => s + pick(f), 0) / all.length
  const durable = all
    .map((f) => f.durability_nines)
    .filter((x): x is number => x !== null && Number.isFinite(x))
  const d = durable.length > 0 ? confidence(durable) : null
  const restored = all.map((f) => f.restored_s).filter((x): x is number => x !== null)
  return {
    runs,
    churn: cfg.churn.name,
    redundancy: cfg.erasure ? `rs ${cfg.erasure.k}+${cfg.erasure.m}` : `${cfg.replicas} copies`,
    vaults: cfg.vaults,
    chunks: cfg.chunks,
    days: cfg.days,
    chunks_lost: mean((f) => f.chunks_lost),
    chunks_lost_max: Math.max(...all.map((f) => f.chunks_lost)),
    min_copies: Math.min(...all.map((f) => f.min_copies)),
    seconds_below_r: mean((f) => f.seconds_below_r),
    repair_gib_per_vault_day: mean((f) => f.repair_gib_per_vault_day),
    durability_nines: d ? d.mean : null,
    durability_nines_ci: d ? d.ci : null,
    annual_loss: d ? 10 ** -d.mean : null,
    copies_mean_end: mean((f) => f.copies_mean_end),
    availability: mean((f) => f.availability),
    departures: mean((f) => f.departures),
    arrivals: mean((f) => f.arrivals),
    repairs: mean((f) => f.repairs),
    failed_transfers: mean((f) => f.failed_transfers),
    disk_used_end: mean((f) => f.disk_used_end),
    restored_s: restored.length === all.length ? restored.reduce((s, x) => s + x, 0) / restored.length : null,
    events: mean((f) => f.events),
    checks: mean((f) => f.checks),
  }
}
