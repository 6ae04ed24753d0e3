// `peerdrive bench net`: PeerDrive on an N-process loopback network, against
// raw libp2p stream throughput between the same nodes in the same run.
import { randomBytes } from 'node:crypto'
import { readFile, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mkdtemp, rm } from 'node:fs/promises'
import { peerIdFromString } from '@libp2p/peer-id'
import { connectClient } from '../net/client.ts'
import type { NetworkClient } from '../net/client.ts'
import { measureThroughput } from '../net/throughput-protocol.ts'
import { compareDistance, kadKey } from '../placement/index.ts'
import { auditNetwork } from '../replication/network-audit.ts'
import { retryingPuts } from './retrying-puts.ts'
import { SelfEncryptor } from '../selfenc/index.ts'
import { median, percentile } from './stats.ts'
import { Testnet } from './testnet.ts'
import type { NodeEvent, TestnetNode } from './testnet.ts'

export interface NetBenchOptions {
  nodes?: number
  fileMiB?: number
  kills?: number
  freezes?: number
  log?: (line: string) => void
}

export interface NetBenchResult {
  nodes: number
  file_mib: number
  raw_stream_mbps: number
  put_mbps: number
  get_mbps: number
  put_ratio: number
  get_ratio: number
  /** Chunk bytes the client sent to vaults / the file's bytes after self-encryption (upload once: about 1, not R). */
  client_upload_ratio: number
  /** Chunk puts that failed and were tried again (as the drive's sync would), counted in put_mbps's time. */
  put_retries: number
  detect_ms_p50: number
  detect_ms_p99: number
  kills: number
  silent_detect_ms_p50: number
  repair_s: number
  repaired_mib: number
  repair_s_per_100mib: number
  rss_mib_per_node: number
}

export async function benchNet(opts: NetBenchOptions = {}): Promise<NetBenchResult> {
  const log = opts.log ?? (() => {})
  const fileMiB = opts.fileMiB ?? 64
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-bench-net-'))
  const lost = new Map<string, number>()
  const onEvent = (e: NodeEvent) => {
    if (e.event === 'peer-lost' && !lost.has(String(e.peer))) lost.set(String(e.peer), Number(e.at))
  }
  log(`starting ${opts.nodes ?? 8} vault processes`)
  let shown = 0
  const onProgress = (started: number, total: number) => {
    if (started - shown >= 10 || started === total) log(`  started ${(shown = started)}/${total}`)
  }
  const net = await Testnet.start({
    // its client is a bare host with no account or vault: the vaults store without tickets
    freeStorage: true,
    nodes: opts.nodes ?? 8,
    dir,
    donate: '4GiB',
    benchmark: true,
    auditMs: 5000,
    onEvent,
    onProgress,
  })
  let client: NetworkClient | undefined
  const enc = new SelfEncryptor()
  try {
    client = await connectClient({ bootstrap: net.bootstrap })
    const c = client
    const file = randomBytes(fileMiB * 2 ** 20)

    log('raw stream throughput')
    const target = c.peers.list()[0]!
    const measure = (bytes: number) => tried(5, log, () => measureThroughput(c.host, target.id, bytes))
    await measure(16 * 2 ** 20)
    const raw = median(await sequential(3, () => measure(fileMiB * 2 ** 20)))

    log(`put ${fileMiB} MiB`)
    const putting = retryingPuts(c.store, { log })
    let t = performance.now()
    const map = await enc.encrypt(file, putting)
    const putSeconds = (performance.now() - t) / 1000
    log('get it back')
    t = performance.now()
    const back = await enc.decrypt(map, c.store)
    const getSeconds = (performance.now() - t) / 1000
    if (!Buffer.from(back).equals(file)) throw new Error('bench net: downloaded bytes differ')
    const replicas = c.store.replicas
    const putMbps = (file.length * replicas) / 1e6 / putSeconds
    const getMbps = file.length / 1e6 / getSeconds

    await sleep(1500)
    const rss = await Promise.all(net.nodes.map((n) => rssMiB(n.pid)))

    log('repair after a holder is killed')
    const victim = net.nodes[net.nodes.length - 1]!
    const victimBytes = await dirBytes(join(victim.vault, 'chunks'))
    const chunksBefore = (await auditNetwork(c.peers.list(), c.ask, replicas)).chunks
    t = performance.now()
    victim.process.kill('SIGKILL')
    await waitUntil(async () => {
      if (c.peers.has(victim.peerId)) return false
      const report = await auditNetwork(c.peers.list(), c.ask, replicas)
      return report.chunks >= chunksBefore && report.min_copies >= replicas
    }, 120_000)
    const repairSeconds = (performance.now() - t) / 1000

    const kills = Math.max(20, opts.kills ?? 20)
    log(`${kills} kills: time until a survivor notices`)
    const detect: number[] = []
    for (let i = 0; i < kills; i++) {
      // a killed vault nobody keeps as a neighbour is an idle link closing, not a loss
      const fresh = await neighbourOfSome(net, 2 * replicas)
      await waitUntil(async () => c.peers.has(fresh.peerId), 10_000).catch(() => {})
      await sleep(200)
      detect.push(await timeLoss(fresh, 'SIGKILL', lost))
    }

    log('frozen vaults: time until the heartbeat notices')
    const silent: number[] = []
    for (let i = 0; i < (opts.freezes ?? 3); i++) {
      const fresh = await neighbourOfSome(net, 2 * replicas)
      await waitUntil(async () => c.peers.has(fresh.peerId), 10_000).catch(() => {})
      // time for the vaults it is closest to to see it and look up their neighbours again
      await sleep(5000)
      silent.push(await timeLoss(fresh, 'SIGSTOP', lost))
      fresh.process.kill('SIGKILL')
      fresh.process.kill('SIGCONT')
    }

    const repairedMiB = victimBytes / 2 ** 20
    return {
      nodes: opts.nodes ?? 8,
      file_mib: fileMiB,
      raw_stream_mbps: raw,
      put_mbps: putMbps,
      get_mbps: getMbps,
      put_ratio: putMbps / raw,
      get_ratio: getMbps / raw,
      client_upload_ratio: c.store.putBytes > 0 ? c.store.uploadedBytes / c.store.putBytes : 0,
      put_retries: putting.retries,
      detect_ms_p50: percentile(detect, 50),
      detect_ms_p99: percentile(detect, 99),
      kills,
      silent_detect_ms_p50: percentile(silent, 50),
      repair_s: repairSeconds,
      repaired_mib: repairedMiB,
      repair_s_per_100mib: repairedMiB > 0 ? (repairSeconds * 100) / repairedMiB : 0,
      rss_mib_per_node: rss.reduce((a, b) => a + b, 0) / rss.length,
    }
  } finally {
    await enc.close()
    await client?.stop()
    await net.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * A new vault among the `size` closest of some other live vault. Only a
 * neighbour's silence is a loss (any other link going quiet is let go), and
 * beyond 2R + 1 vaults a random newcomer may be nobody's neighbour: such a
 * newcomer is stopped and another started.
 */
async function neighbourOfSome(net: Testnet, size: number): Promise<TestnetNode> {
  for (let tries = 0; ; tries++) {
    const fresh = await net.add()
    const others = net.live().filter((n) => n !== fresh)
    const freshKey = kadIdOf(fresh.peerId)
    const near = others.some((v) => {
      const self = kadIdOf(v.peerId)
      const closer = others.filter((o) => o !== v && compareDistance(self, kadIdOf(o.peerId), freshKey) < 0)
      return closer.length < size
    })
    if (near || tries >= 10) return fresh
    fresh.process.kill('SIGKILL')
    await waitUntil(async () => !fresh.alive, 10_000).catch(() => {})
  }
}

function kadIdOf(peerId: string): Uint8Array {
  return kadKey(peerIdFromString(peerId).toMultihash().bytes)
}

/** Sends `signal` to a node and returns ms until the first survivor reported it lost. */
async function timeLoss(
  node: TestnetNode,
  signal: NodeJS.Signals,
  lost: Map<string, number>,
): Promise<number> {
  const sent = Date.now()
  node.process.kill(signal)
  await waitUntil(async () => lost.has(node.peerId), 60_000)
  return lost.get(node.peerId)! - sent
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

async function dirBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  let total = 0
  for (const e of entries) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size
  return total
}

/**
 * Runs `f` until it succeeds, up to `times` times. On a loaded machine a
 * heartbeat that misses its deadline cuts the connection a measurement runs
 * on; the run is repeated, and said, rather than the whole benchmark lost.
 */
async function tried<T>(times: number, log: (line: string) => void, f: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f()
    } catch (err) {
      if (attempt >= times) throw err
      log(`  measurement failed (${err instanceof Error ? err.message : String(err)}); again`)
      await sleep(2000)
    }
  }
}

async function sequential<T>(n: number, f: () => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < n; i++) out.push(await f())
  return out
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('bench net: timed out')
    await sleep(20)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
