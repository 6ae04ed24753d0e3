// A network of vault nodes on loopback, each its own OS process, for demos,
// tests and benchmarks — and for a drive with no bootstrap peers configured.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { PeerDriveError } from '../errors.ts'
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../home.ts'

const BIN = new URL('../../bin.mjs', import.meta.url).pathname

export interface TestnetNode {
  peerId: string
  pid: number
  multiaddr: string
  vault: string
  process: ChildProcess
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
  /** Donated size per vault, as the CLI takes it (e.g. "1GiB"). */
  donate?: string
  auditMs?: number
  heartbeatMs?: number
  /** Farming target of every vault (the chance one served chunk mints a coin); testnets raise it. */
  farmingTarget?: number
  proofMs?: number
  /** Nodes also serve the raw-throughput sink (see `peerdrive bench net`). */
  benchmark?: boolean
  onEvent?: (e: NodeEvent) => void
  /** Where node stderr goes; default: discarded. */
  stderr?: 'inherit' | 'ignore'
}

export class TestnetError extends PeerDriveError {
  constructor(message: string) {
    super('TestnetFailed', message)
  }
}

export class Testnet {
  readonly nodes: TestnetNode[] = []
  readonly dir: string
  private readonly opts: TestnetOptions
  private stopping = false

  private constructor(opts: TestnetOptions) {
    this.opts = opts
    this.dir = opts.dir
  }

  get bootstrap(): string[] {
    return this.nodes
      .filter((n) => n.process.exitCode === null && n.process.signalCode === null)
      .map((n) => n.multiaddr)
  }

  /** Starts the nodes (the first, then the rest through it) and writes testnet.json. */
  static async start(opts: TestnetOptions): Promise<Testnet> {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1) throw new TestnetError('--nodes must be at least 1')
    await ensurePrivateDir(opts.dir)
    const net = new Testnet(opts)
    try {
      await net.add()
      await Promise.all(Array.from({ length: opts.nodes - 1 }, () => net.add()))
      await net.writeManifest()
    } catch (err) {
      await net.stop()
      throw err
    }
    return net
  }

  /** Starts one more node, bootstrapped from the live ones. */
  async add(): Promise<TestnetNode> {
    const index = this.nodes.length
    const vault = join(this.dir, `node-${index}`)
    const args = [BIN, 'node', 'run', '--vault', vault, '--events', '--with-parent']
    for (const b of this.bootstrap.slice(0, 3)) args.push('--bootstrap', b)
    if (this.opts.donate) args.push('--donate', this.opts.donate)
    if (this.opts.auditMs) args.push('--audit-ms', String(this.opts.auditMs))
    if (this.opts.farmingTarget) args.push('--farming-target', String(this.opts.farmingTarget))
    if (this.opts.proofMs) args.push('--proof-ms', String(this.opts.proofMs))
    if (this.opts.benchmark) args.push('--benchmark')
    if (this.opts.heartbeatMs) args.push('--heartbeat-ms', String(this.opts.heartbeatMs))
    // Own process group, so a Ctrl-C meant for the parent does not kill the
    // nodes before it stops them in order; the stdin pipe ends them if the parent dies.
    const child = spawn(process.execPath, args, {
      stdio: ['pipe', 'pipe', this.opts.stderr ?? 'ignore'],
      detached: true,
    })
    const placeholder = { peerId: '', pid: child.pid ?? 0, multiaddr: '', vault, process: child }
    this.nodes.push(placeholder)
    const ready = new Promise<TestnetNode>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! })
      lines.on('line', (line) => {
        let e: NodeEvent
        try {
          e = { ...JSON.parse(line), node: index }
        } catch {
          return
        }
        if (e.event === 'ready') {
          placeholder.peerId = String(e.peerId)
          placeholder.multiaddr = String((e.multiaddrs as string[])[0])
          resolve(placeholder)
        }
        this.opts.onEvent?.(e)
      })
      child.once('exit', (code, signal) =>
        reject(new TestnetError(`node ${index} exited (${signal ?? code}) before it was ready`)),
      )
      setTimeout(() => reject(new TestnetError(`node ${index} did not start within 30 s`)), 30_000).unref()
    })
    return ready
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

  /** Stops every node it started that is still running. */
  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    await Promise.all(
      this.nodes.map(async ({ process: child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((r) => child.once('exit', r))
        if (child.signalCode === null) child.kill('SIGCONT')
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }),
    )
  }
}
