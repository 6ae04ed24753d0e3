// Typed wrapper around fuse-native (libfuse 2): the platform check, mount
// options for fast writes and optional kernel caching, and mount/unmount as
// promises. Mount-point handling (stale mounts, preparing a directory) is in
// mount-point.ts and re-exported here.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, join, resolve } from 'node:path'
import { FUSE_INSTALL_HINT, FuseUnavailableError, MountFailedError } from './fuse-errors.ts'
import { detachMount, isMounted } from './mount-point.ts'

export * from './fuse-errors.ts'
export * from './mount-point.ts'

/** What a file system operation tells libfuse: 0, or a negative errno. */
export type FuseDone = (code: number) => void
export type FuseDoneWith<T> = (code: number, value?: T) => void

/** A stat as fuse-native packs it; times in ms since the epoch. */
export interface FuseStat {
  mode: number
  uid: number
  gid: number
  size: number
  nlink: number
  ino: number
  blksize: number
  /** 512-byte units. */
  blocks: number
  atime: number
  mtime: number
  ctime: number
}

export interface FuseStatfs {
  bsize: number
  frsize: number
  /** In frsize units; each field is a uint32 on the way to libfuse. */
  blocks: number
  bfree: number
  bavail: number
  files: number
  ffree: number
  favail: number
  fsid: number
  flag: number
  namemax: number
}

/**
 * The operations fuse-native calls, as it calls them. Each must call its
 * callback exactly once; read and write pass the byte count (or a negative
 * errno) as the only argument.
 */
export interface FuseOperations {
  init?(done: FuseDone): void
  getattr(path: string, done: FuseDoneWith<FuseStat>): void
  access?(path: string, mode: number, done: FuseDone): void
  statfs?(path: string, done: FuseDoneWith<FuseStatfs>): void
  opendir?(path: string, flags: number, done: FuseDoneWith<number>): void
  /** Names, and optionally a stat per name (then the kernel learns each entry's type at once). */
  readdir?(path: string, done: (code: number, names?: string[], stats?: FuseStat[]) => void): void
  releasedir?(path: string, fd: number, done: FuseDone): void
  fsyncdir?(path: string, datasync: number, fd: number, done: FuseDone): void
  open?(path: string, flags: number, done: FuseDoneWith<number>): void
  create?(path: string, mode: number, done: FuseDoneWith<number>): void
  read?(path: string, fd: number, buffer: Buffer, length: number, position: number, done: FuseDone): void
  write?(path: string, fd: number, buffer: Buffer, length: number, position: number, done: FuseDone): void
  flush?(path: string, fd: number, done: FuseDone): void
  fsync?(path: string, datasync: number, fd: number, done: FuseDone): void
  release?(path: string, fd: number, done: FuseDone): void
  truncate?(path: string, size: number, done: FuseDone): void
  ftruncate?(path: string, fd: number, size: number, done: FuseDone): void
  unlink?(path: string, done: FuseDone): void
  rename?(from: string, to: string, done: FuseDone): void
  link?(target: string, path: string, done: FuseDone): void
  symlink?(target: string, path: string, done: FuseDone): void
  readlink?(path: string, done: FuseDoneWith<string>): void
  mkdir?(path: string, mode: number, done: FuseDone): void
  rmdir?(path: string, done: FuseDone): void
  mknod?(path: string, mode: number, dev: number, done: FuseDone): void
  chmod?(path: string, mode: number, done: FuseDone): void
  chown?(path: string, uid: number, gid: number, done: FuseDone): void
  /**
   * Times in ms. fuse-native 2.2.6 passes the access time in both arguments
   * (its C glue copies tv[0] twice), and UTIME_NOW/UTIME_OMIT arrive as 1073.
   */
  utimens?(path: string, atimeMs: number, mtimeMs: number, done: FuseDone): void
}

export interface FuseMountOptions {
  /**
   * Kernel page cache across opens: 'off' (default) re-reads through the file
   * system on every open; 'auto' keeps pages while size and mtime stay the
   * same (auto_cache); 'kernel' always keeps them (kernel_cache: only safe
   * when every change comes through this mount).
   */
  cache?: 'off' | 'auto' | 'kernel'
  /** Largest write request the kernel sends (big_writes). Default 128 KiB, libfuse 2's ceiling. */
  maxWrite?: number
  /** An operation not answered in this time fails with ETIMEDOUT; false waits forever. Default 60 s. */
  timeoutMs?: number | false
  /** The source and type shown by mount and df: `<fsName>` on `fuse.<fsName>`. Default 'peerdrive'. */
  fsName?: string
  /** Let the kernel check permission bits against uid/gid (default true). */
  defaultPermissions?: boolean
  /** Show the file system's own inode numbers (default true). */
  useIno?: boolean
  /** Let other users (and root) in; needs user_allow_other in /etc/fuse.conf for non-root. */
  allowOther?: boolean
  /** libfuse's debug trace on stderr. */
  debug?: boolean
}

export const DEFAULT_MAX_WRITE = 128 * 1024
const DEFAULT_TIMEOUT_MS = 60_000

/** The libfuse -o options for `opts`. */
export function fuseOptionList(opts: FuseMountOptions = {}): string[] {
  const fsName = opts.fsName ?? 'peerdrive'
  if (!/^[\w.-]+$/.test(fsName)) throw new TypeError(`fsName may hold letters, digits, . _ - only: ${fsName}`)
  const list = [
    `fsname=${fsName}`,
    `subtype=${fsName}`,
    'big_writes',
    `max_write=${opts.maxWrite ?? DEFAULT_MAX_WRITE}`,
  ]
  if (opts.defaultPermissions ?? true) list.push('default_permissions')
  if (opts.useIno ?? true) list.push('use_ino')
  if (opts.cache === 'auto') list.push('auto_cache')
  if (opts.cache === 'kernel') list.push('kernel_cache')
  if (opts.allowOther) list.push('allow_other')
  if (opts.debug) list.push('debug')
  return list
}

// --- the addon ---------------------------------------------------------------

type Callback = (err: Error | null) => void

interface FuseInstance {
  readonly mnt: string
  readonly opts: Record<string, unknown>
  mount(cb: Callback): void
  unmount(cb: Callback): void
  _fuseOptions(): string
}

interface FuseClass {
  new (mnt: string, ops: FuseOperations, opts: Record<string, unknown>): FuseInstance
  unmount(mnt: string, cb: Callback): void
}

export type FuseSupport = { available: true } | { available: false; reason: string; hint: string }

export interface FuseProbe {
  platform?: NodeJS.Platform
  devFuse?: string
  /** Loads the addon; throws when it cannot. */
  load?: () => unknown
}

const requireAddon = createRequire(import.meta.url)
let loaded: FuseClass | undefined

/** Whether a drive can be mounted here, and if not, why and what to install. */
export function fuseSupport(probe: FuseProbe = {}): FuseSupport {
  const platform = probe.platform ?? process.platform
  if (platform === 'win32') {
    return { available: false, reason: 'mounting the drive is not supported on Windows yet', hint: '' }
  }
  if (platform === 'darwin') {
    const err = tryLoad(probe.load)
    if (!err) return { available: true }
    return { available: false, reason: `fuse-native does not load: ${err}`, hint: 'install macFUSE' }
  }
  const devFuse = probe.devFuse ?? '/dev/fuse'
  if (!existsSync(devFuse)) {
    return {
      available: false,
      reason: `${devFuse} is missing`,
      hint: `${FUSE_INSTALL_HINT}, then modprobe fuse; a container needs --device /dev/fuse`,
    }
  }
  const err = tryLoad(probe.load)
  if (err) {
    const reason = /libfuse/.test(err)
      ? `libfuse is not installed (${err})`
      : `fuse-native does not load: ${err}`
    return { available: false, reason, hint: FUSE_INSTALL_HINT }
  }
  if (process.getuid?.() !== 0 && !onPath('fusermount')) {
    return { available: false, reason: 'fusermount is not installed', hint: FUSE_INSTALL_HINT }
  }
  return { available: true }
}

function tryLoad(load: (() => unknown) | undefined): string {
  try {
    ;(load ?? (() => requireAddon('fuse-native')))()
    return ''
  } catch (err) {
    return ((err as Error).message ?? String(err)).split('\n')[0]!
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, cmd)))
}

/** fuse-native's class, loaded on first use; FuseUnavailableError when it cannot be. */
function loadFuse(): FuseClass {
  if (loaded) return loaded
  const support = fuseSupport()
  if (!support.available) throw new FuseUnavailableError(support.reason, support.hint)
  const Fuse = requireAddon('fuse-native') as FuseClass
  // fuse-native unmounts through a shell command built from the path; detach
  // with execFile instead, so no path is ever read by a shell. A mount someone
  // else detached already counts as unmounted.
  Fuse.unmount = (mnt, cb) =>
    void (async () => {
      if (await isMounted(mnt)) await detachMount(mnt)
    })().then(() => cb(null), cb)
  loaded = class PeerDriveFuse extends Fuse {
    // libfuse 2 has no other way in for big_writes and max_write.
    override _fuseOptions(): string {
      const base = super._fuseOptions()
      const extra = (this.opts.extraOptions as string[]).join(',')
      return base ? `${base},${extra}` : `-o${extra}`
    }
  }
  return loaded
}

// --- mounts ------------------------------------------------------------------

const live = new Set<string>()
let exitHookInstalled = false

/**
 * A process that exits normally detaches its mounts rather than leave them
 * dead. (One that still holds files open on its own mount hangs in exit all
 * the same: closing them waits on the server that is going away.)
 */
function detachAtExit(): void {
  for (const mountPoint of live) spawnSync('fusermount', ['-uz', mountPoint], { stdio: 'ignore' })
}

/**
 * A live FUSE mount served by this process, from its event loop. That loop
 * must stay free to answer: this process must not use the mount through
 * synchronous calls (fs.*Sync), spawn a child with its cwd on the mount, or
 * spawn anything while it holds files open on the mount (the child's exec
 * closes them, which waits on a loop that is blocked in the spawn).
 */
export class FuseMount {
  readonly mountPoint: string
  /** The -o options libfuse was given. */
  readonly options: string
  readonly #fuse: FuseInstance
  #unmounting: Promise<void> | undefined

  private constructor(mountPoint: string, fuse: FuseInstance) {
    this.mountPoint = mountPoint
    this.#fuse = fuse
    this.options = fuse._fuseOptions()
  }

  /** Mounts `ops` at `mountPoint` (an existing empty directory); resolves once the kernel has the mount. */
  static async mount(
    mountPoint: string,
    ops: FuseOperations,
    opts: FuseMountOptions = {},
  ): Promise<FuseMount> {
    const Fuse = loadFuse()
    const target = resolve(mountPoint)
    const fuse = new Fuse(target, ops, {
      timeout: opts.timeoutMs === false ? false : (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      extraOptions: fuseOptionList(opts),
    })
    await new Promise<void>((done, fail) =>
      fuse.mount((err) => (err ? fail(new MountFailedError(target, err.message, err)) : done())),
    )
    live.add(target)
    if (!exitHookInstalled) {
      exitHookInstalled = true
      process.on('exit', detachAtExit)
    }
    return new FuseMount(target, fuse)
  }

  /** Detaches the mount (lazily: files still open keep working until closed). Idempotent. */
  unmount(): Promise<void> {
    this.#unmounting ??= new Promise<void>((done, fail) =>
      this.#fuse.unmount((err) => {
        if (err) {
          this.#unmounting = undefined
          return fail(err)
        }
        live.delete(this.mountPoint)
        done()
      }),
    )
    return this.#unmounting
  }
}
