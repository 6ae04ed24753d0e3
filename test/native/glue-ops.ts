// A tiny file system for testing fuse-native's glue: every entry is a stat in
// a map (no data; reads give zeros), and every call that carries arguments
// the glue must pass intact is recorded with the caller it was served for.
import { constants } from 'node:os'
import { callerOf, FALLOC_FL_KEEP_SIZE } from '../../native/fuse.ts'
import type { FuseCaller, FuseOperations, FuseStat, FuseTime, FuseTimespec } from '../../native/fuse.ts'

const { ENOENT, EEXIST, EOPNOTSUPP } = constants.errno
const S_IFDIR = 0o040000
const S_IFREG = 0o100000

/** Times kept exactly as utimens gave them. */
export interface GlueStat extends FuseStat {
  atime: FuseTimespec
  mtime: FuseTimespec
  ctime: FuseTimespec
}

function now(): FuseTimespec {
  const ns = process.hrtime.bigint() // only for its sub-ms digits
  const ms = Date.now()
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 + Number(ns % 1_000_000n) }
}

export interface Call {
  op: string
  path: string
  args: unknown[]
  caller: FuseCaller
}

export class GlueOps {
  readonly entries = new Map<string, GlueStat>()
  readonly calls: Call[] = []
  #ino = 1
  #fd = 10

  constructor() {
    this.#add('/', S_IFDIR | 0o777, { uid: 0, gid: 0, pid: 0 })
  }

  /** The calls of `op`, in order. */
  callsOf(op: string): Call[] {
    return this.calls.filter((c) => c.op === op)
  }

  #add(path: string, mode: number, caller: FuseCaller, rdev = 0): GlueStat {
    const st: GlueStat = {
      mode,
      uid: caller.uid,
      gid: caller.gid,
      size: 0,
      nlink: 1,
      ino: this.#ino++,
      rdev,
      blksize: 4096,
      blocks: 0,
      atime: now(),
      mtime: now(),
      ctime: now(),
    }
    this.entries.set(path, st)
    return st
  }

  /** Records the call; the caller is read first thing, as a handler must. */
  #record(op: string, path: string, ...args: unknown[]): GlueStat | undefined {
    this.calls.push({ op, path, args, caller: callerOf() })
    return this.entries.get(path)
  }

  ops(): FuseOperations {
    const setTime = (t: FuseTime, old: FuseTimespec): FuseTimespec =>
      t === 'omit' ? old : t === 'now' ? now() : t
    return {
      getattr: (path, done) => {
        const st = this.entries.get(path)
        return st ? done(0, st) : done(-ENOENT)
      },
      readdir: (path, done) => {
        const prefix = path === '/' ? '/' : `${path}/`
        const names = [...this.entries.keys()]
          .filter((p) => p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
          .map((p) => p.slice(prefix.length))
        done(0, names)
      },
      create: (path, mode, done) => {
        const caller = callerOf()
        this.#record('create', path, mode)
        if (this.entries.has(path)) return done(-EEXIST)
        this.#add(path, mode, caller)
        done(0, this.#fd++)
      },
      open: (path, flags, done) => {
        const fd = this.#fd++
        if (!this.#record('open', path, flags, fd)) return done(-ENOENT)
        done(0, fd)
      },
      release: (_path, _fd, done) => done(0),
      read: (path, fd, buffer, length, position, done) => {
        this.#record('read', path, fd, length, position)
        const st = this.entries.get(path)!
        const n = Math.max(0, Math.min(length, st.size - position))
        buffer.fill(0, 0, n)
        done(n)
      },
      write: (path, fd, _buffer, length, position, done) => {
        const st = this.#record('write', path, fd, length, position)!
        st.size = Math.max(st.size, position + length)
        done(length)
      },
      truncate: (path, size, done) => {
        const st = this.#record('truncate', path, size)
        if (!st) return done(-ENOENT)
        st.size = size
        done(0)
      },
      ftruncate: (path, fd, size, done) => {
        const st = this.#record('ftruncate', path, fd, size)!
        st.size = size
        done(0)
      },
      utimens: (path, atime, mtime, done) => {
        const st = this.#record('utimens', path, atime, mtime)
        if (!st) return done(-ENOENT)
        st.atime = setTime(atime, st.atime)
        st.mtime = setTime(mtime, st.mtime)
        st.ctime = now()
        done(0)
      },
      fallocate: (path, mode, offset, length, fd, done) => {
        const st = this.#record('fallocate', path, mode, offset, length, fd)!
        if (mode === 0) st.size = Math.max(st.size, offset + length)
        else if (mode !== FALLOC_FL_KEEP_SIZE) return done(-EOPNOTSUPP)
        done(0)
      },
      mknod: (path, mode, rdev, done) => {
        const caller = callerOf()
        this.#record('mknod', path, mode, rdev)
        if (this.entries.has(path)) return done(-EEXIST)
        this.#add(path, mode, caller, rdev)
        done(0)
      },
      link: (existing, path, done) => {
        const st = this.#record('link', existing, path)
        if (!st) return done(-ENOENT)
        st.nlink++
        this.entries.set(path, st)
        done(0)
      },
      unlink: (path, done) => {
        const st = this.#record('unlink', path)
        if (!st) return done(-ENOENT)
        st.nlink--
        this.entries.delete(path)
        done(0)
      },
      chmod: (path, mode, done) => {
        const st = this.entries.get(path)
        if (!st) return done(-ENOENT)
        st.mode = (st.mode & ~0o7777) | (mode & 0o7777)
        done(0)
      },
    }
  }
}

export const FILE_MODE = S_IFREG
