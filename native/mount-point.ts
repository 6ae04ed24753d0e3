// Mount points: what the kernel has mounted where, a dead FUSE mount left by a
// crashed process and how to detach it, and a directory fit to mount on.
//
// A mount point is never stat'ed from this process while something may be
// mounted on it: a FUSE server that hangs would hang the caller (and, served by
// this very process, deadlock it). The mount table is read instead, and the one
// probe that must touch the path runs in a child process with a timeout.
import { execFile } from 'node:child_process'
import { lstat, mkdir, readFile, readdir, realpath, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import {
  MountPointBusyError,
  MountPointNotDirectoryError,
  MountPointNotEmptyError,
  UnmountFailedError,
} from './fuse-errors.ts'

const run = promisify(execFile)

/**
 * Runs a command from a worker thread. Spawning blocks the spawning thread
 * until the child has exec'd, and exec closes the child's copies of any file
 * this process has open on a mount it serves, which asks this process's event
 * loop to answer a FLUSH: spawned from the main thread, that never finishes.
 */
function runOffLoop(cmd: string, args: string[]): Promise<void> {
  const code = `
    const { execFileSync } = require('node:child_process')
    const { workerData: w } = require('node:worker_threads')
    execFileSync(w.cmd, w.args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })`
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { cmd, args }, stderr: false })
    worker.once('error', (err: Error & { stderr?: Buffer }) =>
      reject(new Error(String(err.stderr || err.message))),
    )
    worker.once('exit', (exitCode) =>
      exitCode === 0 ? resolve() : reject(new Error(`${cmd} exited with ${exitCode}`)),
    )
  })
}

export interface MountEntry {
  mountPoint: string
  /** 'fuse', 'fuse.peerdrive', 'ext4', … */
  fsType: string
  source: string
  /** The device number as major:minor ('0:39'); a FUSE mount's minor names its connection in fusectl. */
  device: string
}

/** The kernel's mount table as this process sees it (Linux: /proc/self/mountinfo). */
export async function readMounts(): Promise<MountEntry[]> {
  if (process.platform === 'darwin') return parseMountOutput((await run('mount', [])).stdout)
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'))
}

/** Parses /proc/<pid>/mountinfo: `id parent maj:min root mountpoint opts [optional…] - type source superopts`. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.split(' ')
    const dash = fields.indexOf('-', 6)
    if (dash < 0 || fields.length < dash + 3) continue
    entries.push({
      device: fields[2]!,
      mountPoint: unescapeMountField(fields[4]!),
      fsType: unescapeMountField(fields[dash + 1]!),
      source: unescapeMountField(fields[dash + 2]!),
    })
  }
  return entries
}

/** macOS `mount` lines: `source on /path (type, options)`. */
function parseMountOutput(text: string): MountEntry[] {
  const entries: MountEntry[] = []
  for (const line of text.split('\n')) {
    const m = /^(.*) on (.*) \(([^,)]+)/.exec(line)
    if (m) entries.push({ source: m[1]!, mountPoint: m[2]!, fsType: m[3]!, device: '' })
  }
  return entries
}

/** The kernel writes space, tab, newline and backslash in mount fields as octal escapes (\040). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
}

/**
 * The absolute path the kernel lists for `path`: symlinks in its parent
 * resolved, the last component left alone so that a dead mount there is not
 * touched.
 */
export async function mountPath(path: string): Promise<string> {
  const absolute = resolve(path)
  try {
    return join(await realpath(dirname(absolute)), basename(absolute))
  } catch {
    return absolute
  }
}

/** The topmost mount at `path`, if anything is mounted exactly there. */
export async function findMount(path: string): Promise<MountEntry | undefined> {
  const target = await mountPath(path)
  return (await readMounts()).findLast((entry) => entry.mountPoint === target)
}

export async function isMounted(path: string): Promise<boolean> {
  return (await findMount(path)) !== undefined
}

export type MountProbe = 'alive' | 'dead' | 'hung' | 'absent'

/** Errors a stat gets from a FUSE mount whose server has gone (ENOTCONN, ECONNABORTED, ENXIO). */
const DEAD_MOUNT =
  /Transport endpoint is not connected|Software caused connection abort|No such device or address/

/**
 * Asks the file system at `path` for its statfs from a child process: whether
 * anything answers there. statfs is never answered from the kernel's caches
 * (a plain stat can be, for a second or so after the server died).
 */
export async function probeMount(path: string, timeoutMs = 2000): Promise<MountProbe> {
  try {
    await run('stat', ['-f', '--', path], { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } })
    return 'alive'
  } catch (err) {
    const e = err as { killed?: boolean; signal?: string | null; stderr?: string }
    if (e.killed || e.signal) return 'hung'
    const stderr = e.stderr ?? ''
    if (DEAD_MOUNT.test(stderr)) return 'dead'
    if (/No such file or directory/.test(stderr)) return 'absent'
    return 'alive'
  }
}

/** Detaches whatever is mounted at `path`, lazily (busy files keep working until closed). */
export async function detachMount(path: string): Promise<void> {
  const attempts: [string, string[]][] =
    process.platform === 'darwin'
      ? [['diskutil', ['unmount', 'force', path]]]
      : [
          ['fusermount', ['-uz', path]],
          ['umount', ['-l', path]],
        ]
  const failures: string[] = []
  for (const [cmd, args] of attempts) {
    try {
      await runOffLoop(cmd, args)
      return
    } catch (err) {
      failures.push(oneLine((err as Error).message))
    }
  }
  throw new UnmountFailedError(path, failures.join('; '))
}

/**
 * Aborts the FUSE connection at `path` and detaches it: every pending and
 * later request fails with ENOTCONN. For a server that must go while files
 * are still open on its mount, which would otherwise hang whoever closes them
 * (the server's own process included, in exit). Needs root, or fusectl
 * writable by the user.
 */
export async function abortMount(path: string): Promise<void> {
  const target = await mountPath(path)
  const entry = await findMount(target)
  if (!entry || !entry.fsType.startsWith('fuse')) return
  const minor = entry.device.split(':')[1]
  try {
    await writeFile(`/sys/fs/fuse/connections/${minor}/abort`, '1')
  } catch {
    // no fusectl: a forced unmount aborts the connection as well
    await runOffLoop('umount', ['-f', '-l', target]).catch(() => {})
  }
  if (await isMounted(target)) await detachMount(target)
}

/**
 * Detaches a FUSE mount at `path` whose server is gone (a crashed or killed
 * process leaves one behind: every access fails with "Transport endpoint is
 * not connected"). Returns whether one was cleaned. A live mount, or one whose
 * server is alive but slow, is left alone.
 */
export async function cleanStaleMount(path: string, opts: { timeoutMs?: number } = {}): Promise<boolean> {
  const target = await mountPath(path)
  const entry = await findMount(target)
  if (!entry || !entry.fsType.startsWith('fuse')) return false
  const probe = await probeMount(target, opts.timeoutMs)
  if (probe !== 'dead') return false
  await detachMount(target)
  return true
}

/**
 * Makes `path` ready to mount on and returns it absolute: creates it when
 * missing; refuses a non-directory, a directory with files in it, and a path
 * with something mounted on it already.
 */
export async function prepareMountPoint(path: string): Promise<string> {
  const target = await mountPath(path)
  const entry = await findMount(target)
  if (entry) {
    const what = entry.fsType.startsWith('fuse')
      ? `a FUSE file system (${entry.fsType}) is mounted there; unmount it with: fusermount -uz ${target}`
      : `${entry.source} (${entry.fsType}) is mounted there`
    throw new MountPointBusyError(target, what)
  }
  let isDirectory: boolean
  try {
    isDirectory = (await lstat(target)).isDirectory()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    await mkdir(target, { recursive: true })
    return target
  }
  if (!isDirectory) throw new MountPointNotDirectoryError(target)
  if ((await readdir(target)).length > 0) throw new MountPointNotEmptyError(target)
  return target
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
