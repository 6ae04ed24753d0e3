// From what a run measured to a durability figure. Losing a chunk with R
// copies is far too rare to count directly (eleven nines is one chunk in 10^11
// a year), so, as Carbonite (Chun et al., NSDI 2006) models replica
// maintenance, the copy count is a birth–death chain: a copy dies when its
// vault leaves for good, a copy is born when a repair lands. The run measures
// the rates at each copy count; counts it never reached get the per-copy death
// rate and the repair rate of the lowest count it did reach (or, below R with
// no data, the rate at which chunks got back to R online copies), scaled by
// the chance that enough holders are online to repair from. Mass failures are not
// independent, so they are added apart: each event loses the chunks whose
// every copy (or all but k−1 fragments) fell inside it.

export interface ChainStats {
  /** Chunk-seconds spent at each count of existing copies (fragments). */
  timeAt: Float64Array
  /** Copies (fragments) gained and lost at each count. */
  up: Float64Array
  down: Float64Array
}

export interface DurabilityInput extends ChainStats {
  /** Copies (fragments) a chunk is written with. */
  start: number
  /** Fewest fragments that still rebuild it: 1 for replication, k for Reed–Solomon. */
  need: number
  /** Mean share of time a vault is online. */
  availability: number
  /** Rate (1/s) at which a chunk below R online copies got back to R: the repair rate where the chain has no data. */
  repairRate: number
  correlated: { perYear: number; share: number } | null
}

const YEAR_S = 365.25 * 24 * 3600

/** P(at least `need` of `n` independent holders, each present with probability `p`). */
export function atLeast(n: number, need: number, p: number): number {
  if (need <= 0) return 1
  if (need > n) return 0
  if (p >= 1) return 1
  if (p <= 0) return 0
  let sum = 0
  let term = Math.pow(1 - p, n)
  for (let i = 0; i <= n; i++) {
    if (i >= need) sum += term
    term = (term * (n - i) * p) / ((i + 1) * (1 - p))
  }
  return Math.min(1, sum)
}

/** Annual probability of losing a given chunk; NaN when the run saw no permanent loss at all. */
export function annualLoss(input: DurabilityInput): number {
  const { timeAt, up, down, start, need } = input
  let copySeconds = 0
  let deaths = 0
  let top = start
  for (let j = 0; j < timeAt.length; j++) {
    copySeconds += j * timeAt[j]!
    deaths += down[j]!
    if (timeAt[j]! > 0) top = Math.max(top, j)
  }
  if (deaths === 0 || copySeconds === 0) return Number.NaN
  const death = deaths / copySeconds
  // the repair rate at the lowest count below `start` that the run reached
  let refLevel = -1
  for (let j = need; j < start; j++) {
    if (timeAt[j]! > 0 && up[j]! >= 3) {
      refLevel = j
      break
    }
  }
  const a = input.availability
  const birth = (j: number): number => {
    if (j >= top) return 0
    if (timeAt[j]! > 0 && up[j]! >= 3) return up[j]! / timeAt[j]!
    if (refLevel < 0) return input.repairRate * atLeast(j, need, a)
    return ((up[refLevel]! / timeAt[refLevel]!) * atLeast(j, need, a)) / atLeast(refLevel, need, a)
  }
  // τ_j: mean time to fall from j to j−1; the chain's mean time to loss is their sum from `start` down to `need`
  let tau = 1 / (top * death)
  let meanTimeToLoss = 0
  for (let j = top; j >= need; j--) {
    if (j < top) tau = 1 / (j * death) + (birth(j) / (j * death)) * tau
    if (j <= start) meanTimeToLoss += tau
  }
  let p = -Math.expm1(-YEAR_S / meanTimeToLoss)
  const mass = input.correlated
  if (mass && mass.perYear > 0) {
    let total = 0
    let lost = 0
    for (let j = 0; j < timeAt.length; j++) {
      if (timeAt[j]! === 0) continue
      total += timeAt[j]!
      // the event takes more than j − need of the j fragments
      lost += timeAt[j]! * atLeast(j, j - need + 1, mass.share)
    }
    p += (1 - p) * -Math.expm1(-mass.perYear * (lost / total))
  }
  return p
}

/** Nines of an annual loss probability: 1e-11 is 11. */
export function nines(p: number): number {
  return p > 0 ? -Math.log10(p) : Number.POSITIVE_INFINITY
}

// Student's t at 97.5 % for 1–30 degrees of freedom.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
]

/** Mean and 95 % confidence interval of a figure over repeated runs (null with one run). */
export function confidence(values: number[]): { mean: number; ci: [number, number] | null } {
  const n = values.length
  const mean = values.reduce((s, v) => s + v, 0) / n
  if (n < 2) return { mean, ci: null }
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1))
  const half = (T975[n - 2] ?? 1.96) * (sd / Math.sqrt(n))
  return { mean, ci: [mean - half, mean + half] }
}
