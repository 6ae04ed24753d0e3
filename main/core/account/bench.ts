// What one guess at the credentials costs: the account's argon2id against a
// bare SHA-256 of the same credentials (what a scheme with no key stretching
// would cost an attacker), measured in the same run.
import { createHash } from 'node:crypto'
import { ACCOUNT_KDF, deriveKeys } from './credentials.ts'
import type { KdfParams } from './credentials.ts'

export interface AccountBenchFigures {
  kdf_ms_per_guess: number
  kdf_memory_mib: number
  sha256_us_per_guess: number
  /** How many times dearer a guess is than with no stretching. */
  slowdown_vs_sha256: number
}

export async function benchAccount(
  opts: { rounds?: number; kdf?: KdfParams; log?: (line: string) => void } = {},
): Promise<AccountBenchFigures> {
  const kdf = opts.kdf ?? ACCOUNT_KDF
  const rounds = opts.rounds ?? 5
  const creds = { keyword: 'benchmark', pin: '0000', password: 'benchmark password' }
  const kdfMs: number[] = []
  for (let i = 0; i < rounds; i++) {
    const started = performance.now()
    await deriveKeys({ ...creds, password: `${creds.password} ${i}` }, kdf)
    kdfMs.push(performance.now() - started)
    opts.log?.(`argon2id guess ${i + 1}/${rounds}: ${kdfMs.at(-1)!.toFixed(0)} ms`)
  }
  const hashes = 20_000
  const started = performance.now()
  for (let i = 0; i < hashes; i++) {
    createHash('sha256').update(creds.keyword).update(creds.pin).update(`${creds.password} ${i}`).digest()
  }
  const shaUs = ((performance.now() - started) * 1000) / hashes
  const median = kdfMs.sort((a, b) => a - b)[Math.floor(rounds / 2)]!
  return {
    kdf_ms_per_guess: Number(median.toFixed(1)),
    kdf_memory_mib: kdf.memoryKiB / 1024,
    sha256_us_per_guess: Number(shaUs.toFixed(2)),
    slowdown_vs_sha256: Math.round((median * 1000) / shaUs),
  }
}
