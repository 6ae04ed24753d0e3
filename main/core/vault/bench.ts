// Vault throughput against the plain file system it sits on: PUT vs
// write+fsync of the same bytes into the same disk, GET vs readFile, measured
// in one run, interleaved chunk by chunk.
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readFile, rm, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chunkAddress } from '../chunk-store.ts'
import { admissionCost, MIN_BLOCK } from './quota.ts'
import { Vault } from './vault.ts'

export interface VaultBenchOptions {
  /** Parent of the temp dirs (default: the OS temp dir); bench dirs are removed afterwards. */
  dir?: string
  /** Bytes written per round, in MiB (default 256). */
  totalMiB?: number
  /** Chunk size in KiB (default 1024). */
  chunkKiB?: number
  /** Rounds; figures are medians over them (default 3). */
  rounds?: number
  log?: (line: string) => void
}

export interface VaultBenchRound {
  put_mbps: number
  get_mbps: number
  baseline_write_mbps: number
  baseline_read_mbps: number
}

/** Throughputs in MB/s (10^6 bytes per second), medians over the rounds. */
export interface VaultBenchResult extends VaultBenchRound {
  /** Median over rounds of put_mbps / baseline_write_mbps (the target is ≥ 0.5). */
  put_ratio: number
  /** Median over rounds of get_mbps / baseline_read_mbps. */
  get_ratio: number
  /** Rounds run (each round's figures go to `log`). */
  rounds: number
  total_mib: number
  chunk_kib: number
  chunks: number
}

export async function benchVault(options: VaultBenchOptions = {}): Promise<VaultBenchResult> {
  const totalMiB = options.totalMiB ?? 256
  const chunkKiB = options.chunkKiB ?? 1024
  const roundCount = Math.max(1, options.rounds ?? 3)
  const log = options.log ?? (() => {})
  const count = Math.max(1, Math.round((totalMiB * 1024) / chunkKiB))
  const chunkSize = chunkKiB * 1024
  const bytesPerRound = count * chunkSize

  const chunks = Array.from({ length: count }, () => randomBytes(chunkSize))
  // Addresses come with the chunk in real use (self-encryption computes them), so not timed.
  const addresses = chunks.map((c) => chunkAddress(c))
  const capacity = count * admissionCost(chunkSize, MIN_BLOCK) + 64 * 1024 * 1024

  const base = await mkdtemp(join(options.dir ?? tmpdir(), 'peerdrive-bench-vault-'))
  const rounds: VaultBenchRound[] = []
  try {
    for (let r = 0; r < roundCount; r++) {
      const plainDir = join(base, `plain-${r}`)
      const vaultDir = join(base, `vault-${r}`)
      await mkdir(plainDir)
      const vault = await Vault.open(vaultDir, { capacity })
      try {
        // Chunk by chunk, alternating which side goes first, so both see the
        // same moment of a disk whose fsync latency drifts within seconds.
        const time = async (work: () => Promise<unknown>) => {
          const start = performance.now()
          await work()
          return performance.now() - start
        }
        let plainWriteMs = 0
        let putMs = 0
        let plainReadMs = 0
        let getMs = 0
        for (let i = 0; i < count; i++) {
          const plainWrite = async () => {
            const handle = await open(join(plainDir, String(i)), 'w')
            await handle.writeFile(chunks[i]!)
            await handle.sync()
            await handle.close()
          }
          if ((i + r) % 2 === 0) {
            plainWriteMs += await time(plainWrite)
            putMs += await time(() => vault.put(addresses[i]!, chunks[i]!))
          } else {
            putMs += await time(() => vault.put(addresses[i]!, chunks[i]!))
            plainWriteMs += await time(plainWrite)
          }
        }
        for (let i = 0; i < count; i++) {
          const plainRead = () => readFile(join(plainDir, String(i)))
          if ((i + r) % 2 === 0) {
            plainReadMs += await time(plainRead)
            getMs += await time(() => vault.get(addresses[i]!))
          } else {
            getMs += await time(() => vault.get(addresses[i]!))
            plainReadMs += await time(plainRead)
          }
        }
        const put_mbps = mbps(bytesPerRound, putMs)
        const get_mbps = mbps(bytesPerRound, getMs)
        const baseline_write_mbps = mbps(bytesPerRound, plainWriteMs)
        const baseline_read_mbps = mbps(bytesPerRound, plainReadMs)
        const round = { put_mbps, get_mbps, baseline_write_mbps, baseline_read_mbps }
        rounds.push(round)
        log(
          `round ${r + 1}/${roundCount}: put ${put_mbps.toFixed(0)} MB/s vs write+fsync ${baseline_write_mbps.toFixed(0)} MB/s, ` +
            `get ${get_mbps.toFixed(0)} MB/s vs readFile ${baseline_read_mbps.toFixed(0)} MB/s`,
        )
      } finally {
        await vault.close()
        await rm(plainDir, { recursive: true, force: true })
        await rm(vaultDir, { recursive: true, force: true })
      }
    }
  } finally {
    await rm(base, { recursive: true, force: true })
  }

  const result: VaultBenchResult = {
    put_mbps: median(rounds.map((r) => r.put_mbps)),
    get_mbps: median(rounds.map((r) => r.get_mbps)),
    baseline_write_mbps: median(rounds.map((r) => r.baseline_write_mbps)),
    baseline_read_mbps: median(rounds.map((r) => r.baseline_read_mbps)),
    put_ratio: median(rounds.map((r) => r.put_mbps / r.baseline_write_mbps)),
    get_ratio: median(rounds.map((r) => r.get_mbps / r.baseline_read_mbps)),
    rounds: rounds.length,
    total_mib: bytesPerRound / 2 ** 20,
    chunk_kib: chunkKiB,
    chunks: count,
  }
  log(
    `median: put ${result.put_mbps.toFixed(0)} MB/s (ratio ${result.put_ratio.toFixed(2)}), ` +
      `get ${result.get_mbps.toFixed(0)} MB/s (ratio ${result.get_ratio.toFixed(2)})`,
  )
  return result
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

// `node main/core/vault/bench.ts [totalMiB] [chunkKiB] [rounds]`
if (import.meta.main) {
  const [total, chunk, rounds] = process.argv.slice(2).map(Number)
  const result = await benchVault({
    totalMiB: total || undefined,
    chunkKiB: chunk || undefined,
    rounds: rounds || undefined,
    log: (line) => console.log(line),
  })
  console.log(JSON.stringify(result, null, 2))
}
