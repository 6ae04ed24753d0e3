// `peerdrive bench fuse`'s cold open: how long an application waits to open
// and read a 4 MiB file that is online only (nothing of it on this device),
// against the same file kept on this device and on the plain disk, in the same
// run. The reads run in a child process: this process's event loop serves
// the mount.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { Drive } from '../drive/index.ts'
import { median } from './stats.ts'

export interface ColdOpenResult {
  /** Open and read an online-only 4 MiB file through the mount, median ms. */
  cold_open_ms: number
  /** The same file kept on this device. */
  kept_open_ms: number
  /** The same bytes on the plain disk. */
  plain_open_ms: number
}

const FILE_MIB = 4
const ROUNDS = 3

/** Opens the file, reads it through in 128 KiB reads as an application would, and prints the milliseconds. */
const OPEN_SCRIPT = `
const fs = require('node:fs')
const t0 = process.hrtime.bigint()
const fd = fs.openSync(process.argv[1], 'r')
const buf = Buffer.allocUnsafe(128 * 1024)
while (fs.readSync(fd, buf, 0, buf.length, null) > 0) {}
fs.closeSync(fd)
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6))
`

export interface ColdOpenOptions {
  drive: Drive
  /** Where the drive is mounted, and a directory on the plain disk. */
  mountDir: string
  plainDir: string
  /** A file of random bytes at least 4 MiB long. */
  source: string
  settle(): Promise<void>
  /** Drops the kernel's caches (when allowed). */
  drop(): Promise<boolean>
  log: (line: string) => void
}

export async function benchColdOpen(opts: ColdOpenOptions): Promise<ColdOpenResult> {
  const { drive, log } = opts
  const copy = (to: string, slice: number) =>
    run('dd', [`if=${opts.source}`, `of=${to}`, 'bs=1M', `count=${FILE_MIB}`, `skip=${slice * FILE_MIB}`])
  const timed = async (path: string): Promise<number> => {
    await opts.drop()
    return Number((await run(process.execPath, ['-e', OPEN_SCRIPT, path])).stdout)
  }
  // a file of its own for every round: once read, its plaintext stays in the drive's memory cache
  const names = (kind: string) => Array.from({ length: ROUNDS }, (_, i) => `${kind}-open-${i}.bin`)
  const cold = names('cold')
  const kept = names('kept')
  for (const [i, name] of [...cold, ...kept].entries()) {
    await copy(join(opts.mountDir, name), i)
    await copy(join(opts.plainDir, name), i)
  }
  await opts.settle()
  // until four other vaults hold them the journal keeps the files' bytes here: that would be no cold open
  for (let waited = 0; drive.journal.inos().length > 0; waited += 50) {
    if (waited > 120_000) throw new Error('bench fuse: the journal kept its copy of the cold-open files')
    await new Promise((r) => setTimeout(r, 50))
  }
  // kept: the chunks are fetched to the disk cache, none of them opened yet
  for (const name of kept) await drive.onDemand.keep(`/${name}`)
  log(
    `drive: open and read an online-only ${FILE_MIB} MiB file, a kept one and one on the plain disk, ${ROUNDS} rounds`,
  )
  const coldMs: number[] = []
  const keptMs: number[] = []
  const plainMs: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    coldMs.push(await timed(join(opts.mountDir, cold[round]!)))
    keptMs.push(await timed(join(opts.mountDir, kept[round]!)))
    plainMs.push(await timed(join(opts.plainDir, cold[round]!)))
  }
  for (const name of [...cold, ...kept]) await drive.onDemand.free(`/${name}`)
  const r = (x: number) => Number(x.toFixed(1))
  return {
    cold_open_ms: r(median(coldMs)),
    kept_open_ms: r(median(keptMs)),
    plain_open_ms: r(median(plainMs)),
  }
}

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0
        ? resolve({ stdout, stderr })
        : reject(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`)),
    )
  })
}
