// `peerdrive bench memory`: what an idle vault process holds (VmRSS from
// /proc), beside two baselines measured in the same run: a bare Node process,
// and a libp2p host with a vault's transports and services but nothing of
// PeerDrive (bare-host.ts). Also what each further vault in one process adds.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const BIN = new URL('../../bin.mjs', import.meta.url).pathname
const BARE_HOST = new URL('./bare-host.ts', import.meta.url).pathname
const MiB = 2 ** 20

export interface MemoryFigures {
  idle_s: number
  bare_node_mib: number
  libp2p_host_mib: number
  vault_mib: number
  vault_anon_mib: number
  vault_file_mib: number
  vault_over_libp2p_host: number
  vaults_in_process: number
  extra_vault_mib: number
}

interface ProcessMemory {
  rss: number
  anon: number
  file: number
}

async function memoryOf(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') }
}

/** Waits for `readyLines` ready lines, idles, reads the process's memory, ends it. */
async function idleMemory(args: string[], readyLines: number, idleMs: number): Promise<ProcessMemory> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'] })
  try {
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`)),
      ),
    )
    let ready = 0
    const allReady = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('"ready"') && ++ready === readyLines) resolve()
      })
    })
    await Promise.race([allReady, exited])
    await Promise.race([new Promise((r) => setTimeout(r, idleMs)), exited])
    return await memoryOf(child.pid!)
  } finally {
    child.stdin!.end()
    child.kill('SIGTERM')
  }
}

export async function benchMemory(opts: {
  idleSeconds?: number
  vaultsInProcess?: number
  log?: (line: string) => void
}): Promise<MemoryFigures> {
  const idleMs = (opts.idleSeconds ?? 30) * 1000
  const many = opts.vaultsInProcess ?? 8
  const log = opts.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-bench-memory-'))
  try {
    log('bare node…')
    const bare = await idleMemory(
      ['-e', 'console.log(JSON.stringify({event:"ready"}));process.stdin.resume()'],
      1,
      idleMs,
    )
    log('libp2p host alone…')
    const host = await idleMemory(['--expose-gc', BARE_HOST], 1, idleMs)
    log('one vault (node run)…')
    const vault = await idleMemory([BIN, 'node', 'run', '--vault', join(dir, 'one')], 1, idleMs)
    log(`${many} vaults in one process…`)
    const vaultArgs = Array.from({ length: many }, (_, i) => ['--vault', join(dir, `many-${i}`)]).flat()
    const several = await idleMemory([BIN, 'node', 'run', ...vaultArgs], many, idleMs)
    const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10
    return {
      idle_s: idleMs / 1000,
      bare_node_mib: mib(bare.rss),
      libp2p_host_mib: mib(host.rss),
      vault_mib: mib(vault.rss),
      vault_anon_mib: mib(vault.anon),
      vault_file_mib: mib(vault.file),
      vault_over_libp2p_host: Math.round((vault.rss / host.rss) * 100) / 100,
      vaults_in_process: many,
      extra_vault_mib: mib((several.rss - vault.rss) / (many - 1)),
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
