// A seeded random source (sfc32) and the distributions the churn models draw
// from, so one seed replays one run exactly.

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    this.a = 0x9e3779b9
    this.b = 0x243f6a88
    this.c = 0xb7e15162
    this.d = seed >>> 0
    for (let i = 0; i < 16; i++) this.next32()
  }

  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in (0, 1): never 0, so logarithms stay finite. */
  uniform(): number {
    return (this.next32() + 0.5) / 4294967296
  }

  int(below: number): number {
    return Math.floor(this.uniform() * below)
  }

  exponential(mean: number): number {
    return -Math.log(this.uniform()) * mean
  }

  /** Weibull with the given shape, scaled so its mean is `mean`. */
  weibull(shape: number, mean: number): number {
    const scale = mean / gamma(1 + 1 / shape)
    return scale * Math.pow(-Math.log(this.uniform()), 1 / shape)
  }

  /** Log-normal with the given median and the standard deviation of its logarithm. */
  logNormal(median: number, sigma: number): number {
    const z = Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform())
    return median * Math.exp(sigma * z)
  }

  bytes(out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i += 4) {
      const x = this.next32()
      for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = (x >>> (8 * j)) & 0xff
    }
    return out
  }
}

/** Γ(x) for x > 0 (Lanczos, g = 7): the Weibull mean needs Γ(1 + 1/shape). */
export function gamma(x: number): number {
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x))
  const g = 7
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  const z = x - 1
  let sum = c[0]!
  for (let i = 1; i < g + 2; i++) sum += c[i]! / (z + i)
  const t = z + g + 0.5
  return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * sum
}
