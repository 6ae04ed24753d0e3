// `peerdrive bench scale`: how PeerDrive holds up as the network grows. For
// each size N, a loopback testnet of N vaults (several to a process), a client
// that stores and reads back 4 MiB files, the connections each vault keeps and
// the memory each costs, then 5% of the vaults killed at once: how long until
// every chunk has R copies again, and whether any file is lost.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../chunk-store.ts'
import type { ChunkStore } from '../chunk-store.ts'
import { connectClient } from '../net/client.ts'
import type { NetworkClient } from '../net/client.ts'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import { SelfEncryptor } from '../selfenc/index.ts'
import type { DataMap } from '../selfenc/index.ts'
import { retryingPuts } from './retrying-puts.ts'
import { percentile } from './stats.ts'
import { Testnet, defaultPerProcess, sample } from './testnet.ts'

export interface ScaleOptions {
  nodes: number[]
  /** Vaults per process; default as `peerdrive testnet` chooses. */
  perProcess?: number
  files?: number
  fileMiB?: number
  /** Share of the vaults killed at once. */
  killShare?: number
  /** How long repair may take before the run gives up on it. */
  repairTimeoutMs?: number
  /** How long the started network is left to settle (its first lookups) before its idle CPU is measured; default 60 s. */
  idleSettleMs?: number
  /** How long idle CPU is measured; default 30 s. */
  idleMeasureMs?: number
  log?: (line: string) => void
}

export interface ScaleRun {
  nodes: number
  per_process: number
  start_s: number
  /** Rounds of the client's lookups until the group was reached; null when it made none. */
  hops_p50: number | null
  hops_p99: number | null
  conns_p50: number
  conns_max: number
  rss_mib_per_node: number
  /** CPU the vault processes used while idle (after settling, before any file), per vault (% of one core). */
  idle_cpu_pct_per_node: number
  /** Chunk puts that failed and were tried again (as the drive's sync would), counted in put_ms. */
  put_retries: number
  put_ms_p50: number
  put_ms_p99: number
  get_ms_p50: number
  get_ms_p99: number
  /** Bytes the client sent over the bytes it stored; null when the store does not count them. */
  client_upload_ratio: number | null
  killed: number
  /** Seconds from the kill until every chunk had R copies on live vaults; null if not within the timeout. */
  repair_s: number | null
  /** Chunks below R copies when the run stopped waiting (0 once repaired). */
  under_replicated: number
  files_lost: number
}

export async function benchScale(opts: ScaleOptions): Promise<{ runs: ScaleRun[] }> {
  const runs: ScaleRun[] = []
  for (const n of opts.nodes) runs.push(await scaleRun(n, opts))
  return { runs }
}

async function scaleRun(n: number, opts: ScaleOptions): Promise<ScaleRun> {
  const log = opts.log ?? (() => {})
  const perProcess = opts.perProcess ?? defaultPerProcess(n)
  const replicas = DEFAULT_REPLICAS
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-bench-scale-'))
  log(`${n} vaults, ${perProcess} to a process`)
  let shown = 0
  const started = performance.now()
  let net: Testnet | undefined
  let client: NetworkClient | undefined
  const enc = new SelfEncryptor()
  try {
    net = await Testnet.start({
      // its client is a bare host with no account or vault: the vaults store without tickets
      freeStorage: true,
      nodes: n,
      perProcess,
      dir,
      donate: '1GiB',
      auditMs: 5000,
      onProgress: (s, total) => {
        if (s - shown >= Math.max(10, total / 10) || s === total) log(`  started ${(shown = s)}/${total}`)
      },
    })
    const startSeconds = (performance.now() - started) / 1000
    const settleMs = opts.idleSettleMs ?? 60_000
    const measureMs = opts.idleMeasureMs ?? 30_000
    log(`  settling ${settleMs / 1000} s, then measuring idle CPU for ${measureMs / 1000} s`)
    await new Promise((r) => setTimeout(r, settleMs))
    const idleCpu = await cpuPctPerNode(net, measureMs)
    const hops: number[] = []
    client = await connectClient({ bootstrap: sample(net.bootstrap, 3), onLookup: (l) => hops.push(l.hops) })
    const c = client
    await until(() => c.peers.size >= replicas, 60_000, 'the client to meet a close group')

    const stored = new Set<string>()
    const putting = retryingPuts(c.store, { log })
    const recording: ChunkStore = {
      put: (address, bytes) => {
        stored.add(toHex(address))
        return putting.put(address, bytes)
      },
      get: (a) => c.store.get(a),
      has: (a) => c.store.has(a),
      delete: (a) => c.store.delete(a),
    }
    const files: { bytes: Buffer; map: DataMap }[] = []
    const putMs: number[] = []
    const getMs: number[] = []
    const fileCount = opts.files ?? 10
    log(`  put and get ${fileCount} files of ${opts.fileMiB ?? 4} MiB`)
    for (let i = 0; i < fileCount; i++) {
      const bytes = randomBytes((opts.fileMiB ?? 4) * 2 ** 20)
      let t = performance.now()
      const map = await enc.encrypt(bytes, recording)
      putMs.push(performance.now() - t)
      t = performance.now()
      const back = await enc.decrypt(map, c.store)
      getMs.push(performance.now() - t)
      if (!Buffer.from(back).equals(bytes)) throw new Error('bench scale: a file read back differs')
      files.push({ bytes, map })
    }

    const counts = [...(await net.connectionCounts()).values()]
    const rss = await rssMiBPerNode(net)
    const store = c.store as { uploadedBytes?: number; putBytes?: number }
    const uploadRatio = store.putBytes ? (store.uploadedBytes ?? 0) / store.putBytes : null

    const victims = sample(net.live(), Math.max(1, Math.round(n * (opts.killShare ?? 0.05))))
    log(`  killing ${victims.length} vaults at once`)
    const killedAt = performance.now()
    for (const v of victims) v.kill('SIGKILL')
    const live = net
    let under = stored.size
    const deadline = Date.now() + (opts.repairTimeoutMs ?? 300_000)
    let repairSeconds: number | null = null
    while (Date.now() < deadline) {
      const copies = await copiesOnDisk(live, stored)
      under = [...stored].filter((hex) => (copies.get(hex) ?? 0) < replicas).length
      if (under === 0) {
        repairSeconds = (performance.now() - killedAt) / 1000
        break
      }
      await new Promise((r) => setTimeout(r, 500))
    }
    log(repairSeconds === null ? `  ${under} chunks still below ${replicas} copies` : '  repaired')
    let lost = 0
    for (const f of files) {
      const back = await enc.decrypt(f.map, c.store).catch(() => undefined)
      if (!back || !Buffer.from(back).equals(f.bytes)) lost++
    }
    return {
      nodes: n,
      per_process: perProcess,
      start_s: startSeconds,
      hops_p50: hops.length ? percentile(hops, 50) : null,
      hops_p99: hops.length ? percentile(hops, 99) : null,
      conns_p50: percentile(counts, 50),
      conns_max: Math.max(0, ...counts),
      rss_mib_per_node: rss,
      idle_cpu_pct_per_node: idleCpu,
      put_retries: putting.retries,
      put_ms_p50: percentile(putMs, 50),
      put_ms_p99: percentile(putMs, 99),
      get_ms_p50: percentile(getMs, 50),
      get_ms_p99: percentile(getMs, 99),
      client_upload_ratio: uploadRatio,
      killed: victims.length,
      repair_s: repairSeconds,
      under_replicated: under,
      files_lost: lost,
    }
  } finally {
    await enc.close()
    await client?.stop()
    await net?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Resident memory of every vault process, shared out over the vaults still running in them. */
async function rssMiBPerNode(net: Testnet): Promise<number> {
  const live = net.live()
  const pids = [...new Set(live.map((n) => n.pid))]
  let kb = 0
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  }
  return live.length ? kb / 1024 / live.length : 0
}

/** CPU time (user + system) of every vault process over `ms`, shared out over the vaults, in % of one core. */
async function cpuPctPerNode(net: Testnet, ms: number): Promise<number> {
  const pids = [...new Set(net.live().map((n) => n.pid))]
  const ticks = async () => {
    let sum = 0
    for (const pid of pids) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
      // the fields after the command name (which may hold spaces): utime and stime are the 12th and 13th
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      sum += Number(fields[11] ?? 0) + Number(fields[12] ?? 0)
    }
    return sum
  }
  const before = await ticks()
  const t = performance.now()
  await new Promise((r) => setTimeout(r, ms))
  const seconds = (performance.now() - t) / 1000
  // clock ticks are 1/100 s on Linux
  const cpuSeconds = ((await ticks()) - before) / 100
  return net.live().length ? (cpuSeconds / seconds / net.live().length) * 100 : 0
}

/**
 * Copies of each stored chunk among the live vaults, read from their
 * directories (chunks/<shard>/<address>): on one machine this counts every
 * vault without a thousand network requests per look.
 */
async function copiesOnDisk(net: Testnet, stored: Set<string>): Promise<Map<string, number>> {
  const copies = new Map<string, number>()
  await Promise.all(
    net.live().map(async (node) => {
      const shards = await readdir(join(node.vault, 'chunks')).catch(() => [])
      for (const shard of shards) {
        for (const hex of await readdir(join(node.vault, 'chunks', shard)).catch(() => [])) {
          if (stored.has(hex)) copies.set(hex, (copies.get(hex) ?? 0) + 1)
        }
      }
    }),
  )
  return copies
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench scale: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
