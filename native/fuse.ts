// Typed wrapper around fuse-native (libfuse 2): the platform check, mount
// options for fast writes and optional kernel caching, and mount/unmount as
// promises. Mount-point handling (stale mounts, preparing a directory) is in
// mount-point.ts and re-exported here.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, dirname, join, resolve } from 'node:path'
import { FUSE_INSTALL_HINT, FuseUnavailableError, MountFailedError } from './fuse-errors.ts'
import { detachMount, isMounted } from './mount-point.ts'

export * from './fuse-errors.ts'
export * from './mount-point.ts'

/** What a file system operation tells libfuse: 0, or a negative errno. */
export type FuseDone = (code: number) => void
export type FuseDoneWith<T> = (code: number, value?: T) => void

/**
 * A stat as a handler answers it. Times are ms since the epoch (a fraction
 * below the ms is kept to about 1 µs) or an exact {sec, nsec}; with the
 * prebuild (fuseGlue()) they are cut to whole ms.
 */
export interface FuseStat {
  /** Type and permission bits (S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK | 0o7777). */
  mode: number
  uid: number
  gid: number
  size: number
  nlink: number
  ino: number
  /** The device number of a character or block device node, as mknod gave it. */
  rdev?: number
  blksize: number
  /** 512-byte units. */
  blocks: number
  atime: number | FuseTimespec
  mtime: number | FuseTimespec
  ctime: number | FuseTimespec
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
 * A time utimens sets: seconds and nanoseconds since the epoch (as struct
 * timespec; sec may be negative, nsec is 0..999,999,999), or 'now' (UTIME_NOW:
 * the server's current time) or 'omit' (UTIME_OMIT: leave that time as it is).
 */
export type FuseTime = FuseTimespec | 'now' | 'omit'
export interface FuseTimespec {
  sec: number
  nsec: number
}

/** A set time in ms since the epoch, fractional below the ms (exact to about 1 µs). */
export function timespecMs(t: FuseTimespec): number {
  return t.sec * 1000 + t.nsec / 1e6
}

/** Who made the request being served. */
export interface FuseCaller {
  uid: number
  gid: number
  /** 0 when the kernel sent the request on no process's behalf (e.g. a release at exit). */
  pid: number
}

/** fallocate's mode bits (linux/falloc.h). */
export const FALLOC_FL_KEEP_SIZE = 0x01
export const FALLOC_FL_PUNCH_HOLE = 0x02
export const FALLOC_FL_ZERO_RANGE = 0x10

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
  /** link(2): `existing` is the file linked to, `path` the new name (libfuse's `from`, `to`). */
  link?(existing: string, path: string, done: FuseDone): void
  /** symlink(2): `target` is the link's content, `path` the new link. */
  symlink?(target: string, path: string, done: FuseDone): void
  readlink?(path: string, done: FuseDoneWith<string>): void
  mkdir?(path: string, mode: number, done: FuseDone): void
  rmdir?(path: string, done: FuseDone): void
  /**
   * mknod(2): `mode` holds the type bits (S_IFREG, S_IFIFO, S_IFSOCK, S_IFCHR,
   * S_IFBLK) with the permission bits, already masked by the caller's umask;
   * `rdev` is the device number for S_IFCHR/S_IFBLK (the kernel's 32-bit
   * encoding, the same glibc's makedev gives for majors below 4096), else 0.
   */
  mknod?(path: string, mode: number, rdev: number, done: FuseDone): void
  chmod?(path: string, mode: number, done: FuseDone): void
  chown?(path: string, uid: number, gid: number, done: FuseDone): void
  /**
   * utimensat/futimens/utimes: the new access and modification times, each a
   * {sec, nsec} to set, 'now' (UTIME_NOW: set it to the current time) or
   * 'omit' (UTIME_OMIT: leave it unchanged); touch sends 'now' for both.
   * ctime is the server's to update. With fuse-native's prebuild (see fuseGlue()) both are
   * the access time, whole ms, and either special value arrives as 'now'.
   */
  utimens?(path: string, atime: FuseTime, mtime: FuseTime, done: FuseDone): void
  /**
   * fallocate(2)/posix_fallocate(3) on an open file: `mode` 0 allocates and
   * grows the file to offset + length when it is shorter; FALLOC_FL_KEEP_SIZE
   * allocates without changing the size; other modes (PUNCH_HOLE, ZERO_RANGE,
   * ...) should answer -EOPNOTSUPP. offset and length are exact byte counts
   * (64-bit, as numbers). Answer 0 or a negative errno (-ENOSPC when there is
   * no room). Without this op, or with the prebuild, fallocate is EOPNOTSUPP.
   */
  fallocate?(path: string, mode: number, offset: number, length: number, fd: number, done: FuseDone): void
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
  /**
   * Let other users (and root) in; needs user_allow_other in /etc/fuse.conf
   * for non-root, else the mount fails: ask allowOtherSupport() first.
   */
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

/** How fuse-native's C glue calls into JS: the native request, the op id, then the op's arguments. */
type NativeHandler = (request: unknown, op: number, ...args: unknown[]) => void
type Signal = (code: number) => void

interface FuseInstance {
  readonly mnt: string
  readonly opts: Record<string, unknown>
  readonly ops: FuseOperations
  /** ms; 0 for none. */
  readonly timeout: number
  readonly _implemented: Set<number>
  mount(cb: Callback): void
  unmount(cb: Callback): void
  _fuseOptions(): string
  _makeHandlerArray(): NativeHandler[]
  _op_getattr(signal: (code: number, st: Uint32Array) => void, path: string): void
  _op_readdir(signal: (code: number, names?: string[], stats?: Uint32Array[]) => void, path: string): void
}

interface FuseClass {
  new (mnt: string, ops: FuseOperations, opts: Record<string, unknown>): FuseInstance
  unmount(mnt: string, cb: Callback): void
}

/** The parts of fuse-native's addon this module uses. */
interface FuseBinding {
  /** 1 in PeerDrive's patched build (native/fuse-native-glue.patch), absent in the prebuild. */
  peerdrive_glue?: number
  op_fallocate?: number
  fuse_native_signal_fallocate?: (request: unknown, code: number) => void
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
let binding: FuseBinding | undefined

/** The addon fuse-native itself loads (node-gyp-build's choice, from the same module cache). */
function fuseBinding(): FuseBinding {
  if (binding) return binding
  const pkgDir = dirname(requireAddon.resolve('fuse-native/package.json'))
  const load = createRequire(join(pkgDir, 'index.js'))('node-gyp-build') as (dir: string) => FuseBinding
  binding = load(pkgDir)
  return binding
}

/**
 * Which C glue fuse-native runs: 'patched' is PeerDrive's build (native/setup.mjs):
 * utimens with both times in ns and UTIME_NOW/UTIME_OMIT, fallocate, callerOf().
 * 'prebuild' is fuse-native's own, which has none of these.
 */
export function fuseGlue(): 'patched' | 'prebuild' {
  return fuseBinding().peerdrive_glue === 1 ? 'patched' : 'prebuild'
}

// --- the caller of the request being served ----------------------------------

/** The C glue passes the caller's uid, gid and pid after each op's own arguments. */
const CALLER_ARGS = 3
let callerUid = process.getuid?.() ?? 0
let callerGid = process.getgid?.() ?? 0
let callerPid = 0

/**
 * The uid, gid and pid of the process whose request is being served. Valid
 * synchronously at the start of an operation handler (read it before any await
 * or callback: the next request replaces it). With the prebuild (fuseGlue())
 * it is this process's own uid and gid, and pid 0.
 */
export function callerOf(): FuseCaller {
  return { uid: callerUid, gid: callerGid, pid: callerPid }
}

/** Wraps a native handler so that it records the caller and passes on only the op's arguments. */
function recordingCaller(handler: NativeHandler): NativeHandler {
  return (request, op, ...args) => {
    const n = args.length - CALLER_ARGS
    callerUid = args[n] as number
    callerGid = args[n + 1] as number
    callerPid = args[n + 2] as number
    args.length = n
    return handler(request, op, ...args)
  }
}

/** The timed answer fuse-native gives every op, for fallocate, which fuse-native does not know. */
function fallocateHandler(fuse: FuseInstance, b: FuseBinding): NativeHandler {
  const signal = b.fuse_native_signal_fallocate!
  return (request, _op, path, mode, offset, length, fd) => {
    let answered = false
    const answer = (code: number): void => {
      if (answered) return
      answered = true
      if (timer) clearTimeout(timer)
      process.nextTick(signal, request, code)
    }
    const ms = typeof fuse.timeout === 'number' ? fuse.timeout : 0
    const timer = ms > 0 ? setTimeout(answer, ms, -ETIMEDOUT) : undefined
    fuse.ops.fallocate!(
      path as string,
      mode as number,
      offset as number,
      length as number,
      fd as number,
      answer,
    )
  }
}

const ETIMEDOUT = 110
const UTIME_NOW = 0x3fffffff
const UTIME_OMIT = 0x3ffffffe
/** What the prebuild passes for UTIME_NOW and UTIME_OMIT alike (their nanoseconds read as ms). */
const PREBUILD_SPECIAL_MS = 1073

/** fuse-native's 18 uint32s, then the nanoseconds below the ms of each time (the patched glue reads them). */
function statArray(stat?: FuseStat): Uint32Array {
  const ints = new Uint32Array(21)
  if (!stat) return ints
  ints[0] = stat.mode
  ints[1] = stat.uid
  ints[2] = stat.gid
  setUint64(ints, 3, stat.size)
  ints[6] = stat.nlink || 1
  ints[7] = stat.ino
  ints[8] = stat.rdev ?? 0
  ints[9] = stat.blksize
  setUint64(ints, 10, stat.blocks)
  const times = [stat.atime, stat.mtime, stat.ctime]
  times.forEach((t, i) => {
    const [ms, subNs] = splitTime(t)
    setUint64(ints, 12 + 2 * i, ms)
    ints[18 + i] = subNs
  })
  return ints
}

function setUint64(ints: Uint32Array, at: number, n: number): void {
  const v = Math.max(0, Math.floor(n || 0))
  ints[at] = v % 2 ** 32
  ints[at + 1] = Math.floor(v / 2 ** 32)
}

/** Whole ms, and the nanoseconds below them. */
function splitTime(t: number | FuseTimespec): [number, number] {
  if (typeof t === 'number') {
    const ms = Math.floor(t)
    return [ms, Math.min(999_999, Math.round((t - ms) * 1e6))]
  }
  return [t.sec * 1000 + Math.floor(t.nsec / 1e6), t.nsec % 1e6]
}

function fuseTime(sec: number, nsec: number): FuseTime {
  if (nsec === UTIME_NOW) return 'now'
  if (nsec === UTIME_OMIT) return 'omit'
  return { sec, nsec }
}

function prebuildTime(ms: number): FuseTime {
  if (ms === PREBUILD_SPECIAL_MS) return 'now'
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 }
}

// --- allow_other ---------------------------------------------------------------

export type AllowOtherSupport = { permitted: true } | { permitted: false; reason: string }

export interface AllowOtherProbe {
  uid?: number
  /** Default /etc/fuse.conf. */
  fuseConf?: string
}

/**
 * Whether this process may mount with allow_other (other users, and root,
 * reach the drive): root always may; anyone else only when /etc/fuse.conf
 * has user_allow_other, else fusermount refuses the mount. `reason` is one
 * line to show the user.
 */
export function allowOtherSupport(probe: AllowOtherProbe = {}): AllowOtherSupport {
  const uid = probe.uid ?? process.getuid?.() ?? 0
  if (uid === 0) return { permitted: true }
  const conf = probe.fuseConf ?? '/etc/fuse.conf'
  let text = ''
  try {
    text = readFileSync(conf, 'utf8')
  } catch {
    // a missing or unreadable file permits nothing
  }
  const allowed = text.split('\n').some((line) => line.replace(/#.*/, '').trim() === 'user_allow_other')
  if (allowed) return { permitted: true }
  return {
    permitted: false,
    reason: `only you can use the drive: other users need user_allow_other in ${conf} (allow_other)`,
  }
}

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
  const b = fuseBinding()
  const patched = b.peerdrive_glue === 1
  loaded = class PeerDriveFuse extends Fuse {
    constructor(mnt: string, ops: FuseOperations, opts: Record<string, unknown>) {
      super(mnt, ops, opts)
      if (patched && ops.fallocate) this._implemented.add(b.op_fallocate!)
    }

    // libfuse 2 has no other way in for big_writes and max_write.
    override _fuseOptions(): string {
      const base = super._fuseOptions()
      const extra = (this.opts.extraOptions as string[]).join(',')
      return base ? `${base},${extra}` : `-o${extra}`
    }

    // Runs inside fuse-native's constructor: this.ops and this.timeout are set, own fields are not.
    override _makeHandlerArray(): NativeHandler[] {
      const handlers = super._makeHandlerArray()
      if (!patched) return handlers
      handlers[b.op_fallocate!] = fallocateHandler(this, b)
      return handlers.map(recordingCaller)
    }

    // fuse-native's own pack times as whole ms.
    override _op_getattr(signal: (code: number, st: Uint32Array) => void, path: string): void {
      if (!patched) return super._op_getattr(signal, path)
      this.ops.getattr(path, (err, stat) => signal(err, statArray(err ? undefined : stat)))
    }

    // fuse-native answers fgetattr from getattr too
    _op_fgetattr(signal: (code: number, st: Uint32Array) => void, path: string): void {
      this._op_getattr(signal, path)
    }

    override _op_readdir(
      signal: (code: number, names?: string[], stats?: Uint32Array[]) => void,
      path: string,
    ): void {
      if (!patched) return super._op_readdir(signal, path)
      this.ops.readdir!(path, (err, names, stats) => {
        if (err) return signal(err)
        signal(0, names, stats ? stats.map(statArray) : [])
      })
    }

    // fuse-native's own reads (atime low, high, atime low, high) in ms.
    _op_utimens(signal: Signal, path: string, a: number, b: number, c: number, d: number): void {
      const atime = patched ? fuseTime(a, b) : prebuildTime(a + b * 2 ** 32)
      const mtime = patched ? fuseTime(c, d) : prebuildTime(c + d * 2 ** 32)
      this.ops.utimens!(path, atime, mtime, signal)
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
