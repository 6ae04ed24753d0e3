// A network of vault nodes on loopback for demos, tests and benchmarks — and
// for a drive with no bootstrap peers configured. Each vault has its own
// libp2p host, vault directory and identity; K of them share an OS process
// (`perProcess`), so that a thousand fit in one machine's memory.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { rename, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { PeerDriveError } from '../errors.ts'
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../home.ts'

const BIN = new URL('../../bin.mjs', import.meta.url).pathname

/** Up to this many vaults a testnet runs one per process; above, `LARGE_PER_PROCESS` share one. */
export const ONE_PER_PROCESS_UP_TO = 64
export const LARGE_PER_PROCESS = 16

export interface TestnetNode {
  peerId: string
  /** The OS process the vault runs in; shared by every vault of that process. */
  pid: number
  multiaddr: string
  vault: string
  process: ChildProcess
  /** False once the vault was killed or its process ended. */
  alive: boolean
  /**
   * Ends this vault. A vault alone in its process gets the signal; one that
   * shares its process is ended as a crash would end it (`kill <peerId>` on
   * the process's stdin: its connections cut, no hand-off) for SIGKILL and
   * SIGTERM, and cannot be frozen on its own (SIGSTOP throws).
   */
  kill(signal?: NodeJS.Signals): void
}

/** A line a node prints about itself (see `peerdrive node run --events`). */
export interface NodeEvent {
  event: string
  node: number
  [key: string]: unknown
}

export interface TestnetOptions {
  nodes: number
  dir: string
  /** Vaults per OS process; default 1 up to 64 nodes, 16 above. */
  perProcess?: number
  /** Donated size per vault, as the CLI takes it (e.g. "1GiB"). */
  donate?: string
  auditMs?: number
  heartbeatMs?: number
  /** Farming target of every vault (the chance one served chunk mints a coin); testnets raise it. */
  farmingTarget?: number
  proofMs?: number
  /** How long a vault must have known a client before vouching for it (farming); default a day. */
  vouchAgeMs?: number
  /** Nodes also serve the raw-throughput sink (see `peerdrive bench net`). */
  benchmark?: boolean
  /** Vaults keep chunks without storage tickets: for benchmarks whose clients have no account or vault. */
  freeStorage?: boolean
  /** What a vault backing an account earns it an hour, as the CLI takes it (e.g. "1GiB"); default 16 MiB. */
  storageEarn?: string
  /** The work each vault's id carries (net/id-work.ts); default 0: one machine's own network needs none. */
  idWorkBits?: number
  onEvent?: (e: NodeEvent) => void
  /** Told each time a vault is ready, while the testnet starts. */
  onProgress?: (started: number, total: number) => void
  /** Where node stderr goes; default: discarded. */
  stderr?: 'inherit' | 'ignore'
}

export class TestnetError extends PeerDriveError {
  constructor(message: string) {
    super('TestnetFailed', message)
  }
}

/** Vaults per process when the caller does not say. */
export function defaultPerProcess(nodes: number): number {
  return nodes <= ONE_PER_PROCESS_UP_TO ? 1 : LARGE_PER_PROCESS
}

/**
 * How long a process of `vaults` vaults may take to be ready, re-read while it
 * starts: a base for loading the modules, a little per vault, and all of it
 * stretched by the machine's load (a busy machine is slow, not broken).
 */
export function startBudgetMs(vaults: number): number {
  const load = Math.max(1, loadavg()[0]! / availableParallelism())
  return (30_000 + 3_000 * vaults) * load
}

export class Testnet {
  readonly nodes: TestnetNode[] = []
  readonly dir: string
  private readonly opts: TestnetOptions
  private readonly processes: ChildProcess[] = []
  private readonly statsWaiters: ((peerId: string, connections: number) => void)[] = []
  private stopping = false

  private constructor(opts: TestnetOptions) {
    this.opts = opts
    this.dir = opts.dir
  }

  /** Every vault still running, by its address. */
  get bootstrap(): string[] {
    return this.live().map((n) => n.multiaddr)
  }

  live(): TestnetNode[] {
    return this.nodes.filter((n) => n.alive && n.multiaddr !== '')
  }

  /**
   * Starts the vaults and writes testnet.json: the first process, then the
   * rest, a few processes at a time (loading the modules is what a starting
   * process spends its CPU on; all at once, none would start in time), each
   * joining through a few random vaults that already run.
   */
  static async start(opts: TestnetOptions): Promise<Testnet> {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1) throw new TestnetError('--nodes must be at least 1')
    const perProcess = opts.perProcess ?? defaultPerProcess(opts.nodes)
    if (!Number.isInteger(perProcess) || perProcess < 1)
      throw new TestnetError('--per-process must be at least 1')
    await ensurePrivateDir(opts.dir)
    const net = new Testnet(opts)
    try {
      const sizes: number[] = []
      for (let left = opts.nodes; left > 0; left -= perProcess) sizes.push(Math.min(perProcess, left))
      await net.spawn(sizes[0]!)
      let next = 1
      const worker = async () => {
        while (next < sizes.length && !net.stopping) await net.spawn(sizes[next++]!)
      }
      await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker))
      await net.writeManifest()
    } catch (err) {
      await net.stop()
      throw err
    }
    return net
  }

  /** Starts one more vault, in a process of its own, bootstrapped from live ones. */
  async add(): Promise<TestnetNode> {
    const [node] = await this.spawn(1)
    return node!
  }

  /** Starts a process of `count` vaults; resolves when every one of them is ready. */
  private spawn(count: number): Promise<TestnetNode[]> {
    const first = this.nodes.length
    const vaults = Array.from({ length: count }, (_, i) => join(this.dir, `node-${first + i}`))
    // One vault: a small young generation, which is most of an idle vault process's memory
    // otherwise. Several: a larger one, which costs the process no more memory (the vaults' old
    // generations dominate) and spares it most of its scavenges: at 2 MiB, garbage collection was
    // 38% of the CPU twenty idle vaults used, at 16 MiB 15%, and the whole process's CPU 26% less.
    const semiSpaceMiB = count > 1 ? 16 : 2
    const args = [`--max-semi-space-size=${semiSpaceMiB}`, BIN, 'node', 'run', '--events', '--with-parent']
    for (const vault of vaults) args.push('--vault', vault)
    for (const b of sample(this.bootstrap, 3)) args.push('--bootstrap', b)
    if (this.opts.donate) args.push('--donate', this.opts.donate)
    if (this.opts.auditMs) args.push('--audit-ms', String(this.opts.auditMs))
    if (this.opts.farmingTarget) args.push('--farming-target', String(this.opts.farmingTarget))
    if (this.opts.proofMs) args.push('--proof-ms', String(this.opts.proofMs))
    if (this.opts.vouchAgeMs !== undefined) args.push('--vouch-age-ms', String(this.opts.vouchAgeMs))
    if (this.opts.benchmark) args.push('--benchmark')
    if (this.opts.freeStorage) args.push('--free-storage')
    if (this.opts.storageEarn) args.push('--storage-earn', this.opts.storageEarn)
    if (this.opts.heartbeatMs) args.push('--heartbeat-ms', String(this.opts.heartbeatMs))
    args.push('--id-work', String(this.opts.idWorkBits ?? 0))
    // Own process group, so a Ctrl-C meant for the parent does not kill the
    // nodes before it stops them in order; the stdin pipe ends them if the parent dies.
    const child = spawn(process.execPath, args, {
      stdio: ['pipe', 'pipe', this.opts.stderr ?? 'ignore'],
      detached: true,
    })
    // a child that is gone must not take the parent with it (EPIPE on a kill line)
    child.stdin!.on('error', () => {})
    this.processes.push(child)
    const mine = vaults.map((vault) => this.placeholder(vault, child))
    this.nodes.push(...mine)
    const byVault = new Map(mine.map((n, i) => [n.vault, { node: n, index: first + i }]))
    const byPeer = (peerId: string) => {
      const i = mine.findIndex((n) => n.peerId === peerId)
      return i < 0 ? undefined : { node: mine[i]!, index: first + i }
    }
    let ready = 0
    return new Promise<TestnetNode[]>((resolve, reject) => {
      const started = Date.now()
      const watch = setInterval(() => {
        const budget = startBudgetMs(count)
        if (Date.now() - started > budget)
          reject(
            new TestnetError(
              `node ${first + ready} did not start within ${Math.round(budget / 1000)} s ` +
                `(load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
            ),
          )
      }, 1000)
      watch.unref()
      const done = () => clearInterval(watch)
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let parsed: Record<string, unknown>
        try {
          parsed = JSON.parse(line)
        } catch {
          return
        }
        const at = byVault.get(String(parsed.vault)) ??
          byPeer(String(parsed.peerId)) ?? { node: mine[0]!, index: first }
        const e: NodeEvent = { ...parsed, event: String(parsed.event), node: at.index }
        if (e.event === 'ready') {
          at.node.peerId = String(e.peerId)
          at.node.multiaddr = String((e.multiaddrs as string[])[0])
          at.node.alive = true
          this.opts.onProgress?.(this.live().length, Math.max(this.opts.nodes, this.nodes.length))
          if (++ready === count) {
            done()
            resolve(mine)
          }
        }
        if (e.event === 'killed') at.node.alive = false
        if (e.event === 'stats') for (const w of this.statsWaiters) w(String(e.peerId), Number(e.connections))
        this.opts.onEvent?.(e)
      })
      child.once('exit', (code, signal) => {
        done()
        for (const n of mine) n.alive = false
        reject(new TestnetError(`node ${first + ready} exited (${signal ?? code}) before it was ready`))
      })
    })
  }

  private placeholder(vault: string, child: ChildProcess): TestnetNode {
    const node: TestnetNode = {
      peerId: '',
      pid: child.pid ?? 0,
      multiaddr: '',
      vault,
      process: child,
      alive: false,
      kill: (signal: NodeJS.Signals = 'SIGKILL') => {
        const shared = this.nodes.some((n) => n !== node && n.process === child && n.alive)
        if (!shared) {
          child.kill(signal)
        } else if (signal === 'SIGKILL' || signal === 'SIGTERM') {
          child.stdin!.write(`kill ${node.peerId}\n`)
        } else {
          throw new TestnetError(`${signal} cannot reach one vault of a process that runs several`)
        }
        node.alive = false
      },
    }
    return node
  }

  /**
   * Every live vault's connection count, asked of each process on its control
   * channel; a vault that does not answer within `timeoutMs` is left out.
   */
  async connectionCounts(timeoutMs = 30_000): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    const wanted = new Set(this.live().map((n) => n.peerId))
    this.statsWaiters.push((peerId, connections) => {
      if (wanted.has(peerId)) counts.set(peerId, connections)
    })
    for (const child of this.processes) {
      if (child.exitCode === null && child.signalCode === null) child.stdin!.write('stats\n')
    }
    const deadline = Date.now() + timeoutMs
    while (counts.size < wanted.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    this.statsWaiters.pop()
    return counts
  }

  async writeManifest(): Promise<void> {
    const manifest = {
      bootstrap: this.bootstrap,
      nodes: this.nodes.map(({ peerId, pid, multiaddr, vault }) => ({ peerId, pid, multiaddr, vault })),
    }
    // Whole or not at all: scripts poll for this file and read it as soon as it appears.
    const path = join(this.dir, 'testnet.json')
    await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: PRIVATE_FILE_MODE })
    await rename(`${path}.tmp`, path)
  }

  /** Stops every process it started that is still running. */
  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    await Promise.all(
      this.processes.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGCONT')
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }),
    )
    for (const n of this.nodes) n.alive = false
  }
}

/** Up to `n` items picked at random: newcomers spread over the network, not all through the first vault. */
export function sample<T>(items: T[], n: number): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy.slice(0, n)
}
