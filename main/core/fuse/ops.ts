// The FUSE operations of a mounted drive: each kernel request mapped onto
// DriveFs, answered exactly once with its result or a negative errno.
import type { DriveFs } from '../drive/fs-types.ts'
import { callerOf, timespecMs } from '../../../native/fuse.ts'
import type { FuseDone, FuseOperations, FuseStat, FuseTime } from '../../../native/fuse.ts'
import { currentOwner, toFuseStat, toFuseStatfs, toOpenFlags } from './attr.ts'
import type { Owner } from './attr.ts'
import { errnoFor, errnoOf, fsErrorCode } from './errno.ts'
import type { Log } from './errno.ts'

export interface FuseOpsOptions {
  /** Where failures that are not FsErrors are reported (they reach the caller as EIO). Default stderr. */
  log?: Log
  /** Shown as every entry's owner; default the mounting process's uid/gid. */
  owner?: Owner
  now?: () => number
}

type Answer = (code: number, ...values: never[]) => void

export function createFuseOps(fs: DriveFs, opts: FuseOpsOptions = {}): FuseOperations {
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const owner = opts.owner ?? currentOwner()
  const now = opts.now ?? Date.now
  /** Who asked: read at once, before any await, since the next request replaces it. */
  const caller = (): { uid: number; gid: number } => {
    const { uid, gid } = callerOf()
    return { uid, gid }
  }

  /**
   * Runs `work`, which answers through `reply` when it succeeds. Whatever it
   * throws is answered with its errno. The kernel is answered once, always.
   */
  function serve<D extends Answer>(
    op: string,
    path: string,
    done: D,
    work: (reply: D) => Promise<void>,
  ): void {
    let answered = false
    const once: Answer = (code, ...values) => {
      if (answered) return
      answered = true
      ;(done as Answer)(code, ...values)
    }
    Promise.resolve()
      .then(() => work(once as D))
      .catch((err: unknown) => once(errnoOf(err, op, path, log)))
      .catch((err: unknown) => log(`fuse: answering ${op} ${path} failed: ${(err as Error).message}`))
  }

  /** For operations that answer 0 on success. */
  const ok =
    (op: string, path: string, done: FuseDone) =>
    (work: () => Promise<unknown>): void =>
      serve(op, path, done, async (reply) => {
        await work()
        reply(0)
      })

  const stat = async (path: string): Promise<FuseStat> => toFuseStat(await fs.getattr(path), owner)

  /** The stats of a directory's entries: '.' and '..' first, entries that vanish meanwhile left out. */
  async function listing(path: string): Promise<[string[], FuseStat[]]> {
    const names = (await fs.readdir(path)).filter((name) => name !== '.' && name !== '..')
    const dirs = await Promise.all([stat(path), stat(parentOf(path))])
    const entries = await Promise.all(
      names.map(async (name): Promise<[string, FuseStat] | undefined> => {
        try {
          return [name, await stat(childOf(path, name))]
        } catch (err) {
          if (fsErrorCode(err) === 'ENOENT') return undefined
          throw err
        }
      }),
    )
    const found = entries.filter((entry) => entry !== undefined)
    return [
      ['.', '..', ...found.map(([name]) => name)],
      [...dirs, ...found.map(([, s]) => s)],
    ]
  }

  return {
    getattr: (path, done) => serve('getattr', path, done, async (reply) => reply(0, await stat(path))),

    // Reached only without default_permissions; the kernel checks modes itself otherwise.
    access: (path, _mode, done) => ok('access', path, done)(() => fs.getattr(path)),

    statfs: (path, done) =>
      serve('statfs', path, done, async (reply) => reply(0, toFuseStatfs(await fs.statfs()))),

    opendir: (path, _flags, done) =>
      serve('opendir', path, done, async (reply) => {
        const attr = await fs.getattr(path)
        reply(attr.kind === 'dir' ? 0 : errnoFor('ENOTDIR'), 0)
      }),

    readdir: (path, done) =>
      serve('readdir', path, done, async (reply) => {
        const [names, stats] = await listing(path)
        reply(0, names, stats)
      }),

    releasedir: (_path, _fd, done) => done(0),
    fsyncdir: (_path, _datasync, _fd, done) => done(0),

    open: (path, flags, done) =>
      serve('open', path, done, async (reply) => reply(0, await fs.open(path, toOpenFlags(flags)))),

    create: (path, mode, done) => {
      const who = caller()
      serve('create', path, done, async (reply) => reply(0, await fs.create(path, mode & 0o7777, who)))
    },

    read: (path, fd, buffer, length, position, done) =>
      serve('read', path, done, async (reply) => {
        const data = await fs.read(fd, position, length)
        const n = Math.min(data.length, length)
        buffer.set(data.subarray(0, n))
        reply(n)
      }),

    write: (path, fd, buffer, length, position, done) =>
      serve('write', path, done, async (reply) => {
        // libfuse reuses the buffer once answered (or timed out): the drive gets its own copy.
        const data = Uint8Array.prototype.slice.call(buffer, 0, length)
        reply(await fs.write(fd, position, data))
      }),

    flush: (path, fd, done) => ok('flush', path, done)(() => fs.flush(fd)),
    fsync: (path, _datasync, fd, done) => ok('fsync', path, done)(() => fs.fsync(fd)),
    release: (path, fd, done) => ok('release', path, done)(() => fs.release(fd)),
    truncate: (path, size, done) => ok('truncate', path, done)(() => fs.truncate(path, size)),
    ftruncate: (path, fd, size, done) => ok('ftruncate', path, done)(() => fs.ftruncate(fd, size)),
    unlink: (path, done) => ok('unlink', path, done)(() => fs.unlink(path)),
    rename: (from, to, done) => ok('rename', from, done)(() => fs.rename(from, to)),
    mkdir: (path, mode, done) => {
      const who = caller()
      ok('mkdir', path, done)(() => fs.mkdir(path, mode & 0o7777, who))
    },
    rmdir: (path, done) => ok('rmdir', path, done)(() => fs.rmdir(path)),
    symlink: (target, path, done) => {
      const who = caller()
      ok('symlink', path, done)(() => fs.symlink(target, path, who))
    },
    readlink: (path, done) =>
      serve('readlink', path, done, async (reply) => reply(0, await fs.readlink(path))),
    chmod: (path, mode, done) => ok('chmod', path, done)(() => fs.chmod(path, mode & 0o7777)),

    // Permission to change the owner is the kernel's to check (default_permissions).
    chown: (path, uid, gid, done) => ok('chown', path, done)(() => fs.chown(path, uid, gid)),

    utimens: (path, atime, mtime, done) =>
      ok(
        'utimens',
        path,
        done,
      )(() => {
        const at = now()
        const time = (t: FuseTime): number | null =>
          t === 'omit' ? null : t === 'now' ? at : typeof t === 'number' ? t : timespecMs(t)
        return fs.utimens(path, time(atime), time(mtime))
      }),

    link: (existing, path, done) => ok('link', path, done)(() => fs.link(existing, path)),
    mknod: (path, mode, rdev, done) => {
      const who = caller()
      ok('mknod', path, done)(() => fs.mknod(path, mode, rdev, who))
    },
    fallocate: (path, mode, offset, length, fd, done) =>
      ok('fallocate', path, done)(() => fs.fallocate(fd, mode, offset, length)),
  }
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/')
  return cut <= 0 ? '/' : path.slice(0, cut)
}

function childOf(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`
}
