// A real FUSE mount of a DriveFs in a temp directory, unmounted when the test
// ends (also when it fails). The server runs in the test process, so I/O
// through the mount must be asynchronous (fs/promises) or in a child process:
// a synchronous call would block the event loop the server answers from.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import {
  ChunkHashMismatchError,
  ChunkMissingError,
  MemoryChunkStore,
  chunkAddress,
  sameBytes,
  toHex,
} from '../../../main/core/chunk-store.ts'
import { Drive, MemoryRootStore, newDriveKeys } from '../../../main/core/drive/index.ts'
import type { DriveOptions } from '../../../main/core/drive/index.ts'
import type { DriveFs } from '../../../main/core/drive/fs-types.ts'
import { mountDrive } from '../../../main/core/fuse/index.ts'
import type { MountDriveOptions, MountedDrive } from '../../../main/core/fuse/index.ts'
import { abortMount } from '../../../native/fuse.ts'
import { MemoryDriveFs } from './memory-drive-fs.ts'
import type { MemoryDriveFsOptions } from './memory-drive-fs.ts'

const run = promisify(execFile)

export const KiB = 1024
export const MiB = 1024 * KiB

export interface Mounted<F extends DriveFs> {
  fs: F
  /** The mount point. */
  mnt: string
  /** A plain directory beside it, for reference files. */
  scratch: string
  /** Lines the adapter logged. */
  logs: string[]
}

export async function mountFs<F extends DriveFs>(
  t: TestContext,
  fs: F,
  opts: MountDriveOptions = {},
): Promise<Mounted<F>> {
  const logs: string[] = []
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-fuse-'))
  let mounted: MountedDrive
  try {
    mounted = await mountDrive(fs, join(dir, 'drive'), { log: (line) => logs.push(line), ...opts })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  // One hook, in order: the drive must be gone before its mount point is removed.
  t.after(async () => {
    const left = await openFilesUnder(mounted.mountPoint)
    // This process could not exit with files open on its own mount: closing
    // them would wait on the server it no longer runs. Abort, so they fail.
    if (left.length > 0) await abortMount(mounted.mountPoint)
    await mounted.unmount()
    await rm(dir, { recursive: true, force: true })
    if (left.length > 0) throw new Error(`the test left files open on the mount: ${left.join(', ')}`)
  })
  return { fs, mnt: mounted.mountPoint, scratch: dir, logs }
}

/** Paths under `dir` this process has open (from /proc/self/fd, which never asks the mount). */
export async function openFilesUnder(dir: string): Promise<string[]> {
  const open: string[] = []
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    if (target === dir || target.startsWith(`${dir}/`)) open.push(target)
  }
  return open
}

export function mountTwin(
  t: TestContext,
  twin: MemoryDriveFsOptions = {},
  opts: MountDriveOptions = {},
): Promise<Mounted<MemoryDriveFs>> {
  return mountFs(t, new MemoryDriveFs(twin), opts)
}

/**
 * A real Drive (SQLite, staging journal, self-encryption, uploads) over an
 * in-memory chunk store, mounted the way a node mounts it. Uploads finish in
 * milliseconds, so they race with whatever the test does next. The drive is
 * closed after the mount is gone.
 */
export async function mountRealDrive(
  t: TestContext,
  drive: Partial<DriveOptions> = {},
  opts: MountDriveOptions = {},
): Promise<Mounted<Drive>> {
  const dir = drive.dir ?? (await mkdtemp(join(tmpdir(), 'peerdrive-drive-')))
  const fs = await Drive.open({
    key: newDriveKeys().encryptionKey,
    chunks: new MemoryChunkStore(),
    root: new MemoryRootStore(),
    commitDelayMs: 20,
    ...drive,
    dir,
  })
  let mounted: Mounted<Drive>
  try {
    mounted = await mountFs(t, fs, opts)
  } catch (err) {
    await fs.close()
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  // Registered after mountFs's hook, so it runs once the mount is gone.
  t.after(async () => {
    await fs.close()
    await rm(dir, { recursive: true, force: true })
  })
  return mounted
}

/**
 * An in-memory chunk store that keeps only the chunks put most recently, up
 * to `budgetBytes` (a put of a chunk it holds refreshes it). For workloads
 * that upload thousands of versions of one file: every upload puts all of
 * its file's chunks, so the latest version stays while old ones go, and the
 * store stays bounded where a MemoryChunkStore would grow by gigabytes.
 */
export class RecentChunkStore {
  private readonly chunks = new Map<string, Uint8Array>()
  private bytes = 0
  private readonly budgetBytes: number

  constructor(budgetBytes: number) {
    this.budgetBytes = budgetBytes
  }

  async put(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (!sameBytes(chunkAddress(bytes), address)) throw new ChunkHashMismatchError(address, 'put')
    const key = toHex(address)
    const old = this.chunks.get(key)
    if (old) {
      this.chunks.delete(key)
      this.bytes -= old.byteLength
    }
    this.chunks.set(key, Uint8Array.from(bytes))
    this.bytes += bytes.byteLength
    for (const [oldest, chunk] of this.chunks) {
      if (this.bytes <= this.budgetBytes) break
      this.chunks.delete(oldest)
      this.bytes -= chunk.byteLength
    }
  }

  async get(address: Uint8Array): Promise<Uint8Array> {
    const bytes = this.chunks.get(toHex(address))
    if (!bytes) throw new ChunkMissingError(address)
    return bytes
  }
}

/**
 * Runs a shell command line in `dir`; rejects with its stderr when it fails.
 * The shell changes into `dir` itself: a spawn with `cwd` on the mount would
 * deadlock, since Node blocks until the child has exec'd while the child's
 * chdir waits for this process to answer the kernel.
 */
export async function sh(dir: string, command: string): Promise<string> {
  try {
    const script = `set -euo pipefail; cd -- "$0"; ${command}`
    return (await run('bash', ['-c', script, dir], { maxBuffer: 16 * MiB })).stdout
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`${command}: ${e.stderr || e.message}`, { cause: err })
  }
}

/** The errno name a failed shell command or fs call reports. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (err) {
    return (err as NodeJS.ErrnoException).code
  }
}

/** A repeatable stream of pseudo-random numbers (mulberry32), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** `fs` with some operations replaced (for faults and spies); the rest still act on `fs`. */
export function overriding(fs: DriveFs, overrides: Partial<Record<keyof DriveFs, unknown>>): DriveFs {
  return new Proxy(fs, {
    get(target, key, receiver) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof DriveFs]
      const value: unknown = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** Polls `check` until it holds: the kernel sends RELEASE after close(2) has returned. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
