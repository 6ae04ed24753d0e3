// Other file trees mounted inside the drive: each at a path, as a folder
// shared for writing is (share/shared-folders.ts). A path at or below a
// mount point goes to that tree, with the mount point as its root; the rest
// goes to the drive below. Folders above a mount point that the drive does
// not have (".../Shared with me" before anything read-only is shared) are
// shown, read-only. As between two file systems, a rename or hard link
// across a mount point is EXDEV, and a mount point or a folder above one
// cannot be removed or renamed (EBUSY).
import type { Attr, DriveFs, Owner } from './fs-types.ts'
import { FsError } from './fs-types.ts'

/** Handles of mounted trees' open files, above those the drive and "Shared with me" hand out. */
const HANDLE_BASE = 0x5000_0000
/** Inode numbers of mounted trees: 2^24 per mount point, up to 64 of them (below "Shared with me"'s). */
const INO_BASE = 0x8000_0000
const INO_SPAN = 2 ** 24
export const MAX_MOUNTS = 64

export interface Mounts {
  /** Mount point (an absolute path, not "/") → the tree shown there. */
  mounts(): ReadonlyMap<string, DriveFs>
}

type Where = { at: 'mount'; point: string; fs: DriveFs; inner: string } | { at: 'above' } | { at: 'base' }

const isBelow = (path: string, dir: string): boolean =>
  dir === '/' ? path !== '/' : path.startsWith(`${dir}/`)

/**
 * `base` with the trees of `source` mounted in it. Entries of a mounted tree
 * show as `owner`'s: the tree is shared with accounts on other machines,
 * whose user ids mean nothing here.
 */
export function withMounts(base: DriveFs, source: Mounts, owner: Owner): DriveFs {
  const slots = new Map<string, number>()
  const open = new Map<number, { fs: DriveFs; handle: number }>()
  let nextHandle = HANDLE_BASE

  const where = (path: string): Where => {
    let best: Where = { at: 'base' }
    for (const [point, fs] of source.mounts()) {
      if (path === point || isBelow(path, point)) {
        if (best.at !== 'mount' || point.length > best.point.length)
          best = { at: 'mount', point, fs, inner: path === point ? '/' : path.slice(point.length) }
      } else if (best.at === 'base' && isBelow(point, path)) best = { at: 'above' }
    }
    return best
  }

  const slot = (point: string): number => {
    let s = slots.get(point)
    if (s === undefined) {
      s = slots.size % MAX_MOUNTS
      slots.set(point, s)
    }
    return s
  }

  const mountedAttr = (point: string, attr: Attr): Attr => ({
    ...attr,
    uid: owner.uid,
    gid: owner.gid,
    ino: INO_BASE + slot(point) * INO_SPAN + (attr.ino % INO_SPAN),
  })

  /** Names of mount points directly in `dir`. */
  const pointsIn = (dir: string): string[] => {
    const names: string[] = []
    for (const point of source.mounts().keys()) {
      if (!isBelow(point, dir)) continue
      const rest = point.slice(dir === '/' ? 1 : dir.length + 1)
      names.push(rest.split('/')[0]!)
    }
    return names
  }

  const busy = (path: string): FsError =>
    new FsError('EBUSY', `${path} is, or holds, a folder shared for writing`)

  /**
   * A path-changing call: the mounted tree's, or the base's. A folder above a
   * mount point is busy (or exists, for mkdir); so is a mount point itself
   * for the calls that would remove or replace it (`point`).
   */
  const change =
    <A extends unknown[], R>(
      op: (fs: DriveFs, path: string, ...args: A) => Promise<R>,
      point?: 'busy' | 'exists',
    ) =>
    async (path: string, ...args: A): Promise<R> => {
      const w = where(path)
      const refuse = (): FsError => (point === 'exists' ? new FsError('EEXIST', path) : busy(path))
      if (w.at === 'above') throw refuse()
      if (w.at === 'mount') {
        if (w.inner === '/' && point) throw refuse()
        return op(w.fs, w.inner, ...args)
      }
      return op(base, path, ...args)
    }

  const handleCall =
    <A extends unknown[], R>(op: (fs: DriveFs, handle: number, ...args: A) => Promise<R>) =>
    async (handle: number, ...args: A): Promise<R> => {
      const m = open.get(handle)
      return m ? op(m.fs, m.handle, ...args) : op(base, handle, ...args)
    }

  const remember = (fs: DriveFs, handle: number): number => {
    const h = nextHandle++
    if (nextHandle >= HANDLE_BASE + 0x1000_0000) nextHandle = HANDLE_BASE
    open.set(h, { fs, handle })
    return h
  }

  /** Both paths in one tree (the same mount, or the base): else the call crosses a mount point. */
  const sameTree = (from: string, to: string, what: string): { fs: DriveFs; from: string; to: string } => {
    const a = where(from)
    const b = where(to)
    for (const [w, path] of [
      [a, from],
      [b, to],
    ] as const)
      if (w.at === 'above' || (w.at === 'mount' && w.inner === '/')) throw busy(path)
    if (a.at === 'mount' && b.at === 'mount' && a.point === b.point)
      return { fs: a.fs, from: a.inner, to: b.inner }
    if (a.at === 'base' && b.at === 'base') return { fs: base, from, to }
    throw new FsError('EXDEV', `${what} ${from} to ${to} crosses into or out of a folder shared for writing`)
  }

  const now = Date.now()
  const aboveAttr = (path: string): Attr => ({
    kind: 'dir',
    size: 4096,
    mode: 0o555,
    uid: owner.uid,
    gid: owner.gid,
    rdev: 0,
    mtimeMs: now,
    ctimeMs: now,
    atimeMs: now,
    ino: INO_BASE - 1 - (hash(path) % 0x1000_0000),
    nlink: 2,
  })

  return {
    async getattr(path) {
      const w = where(path)
      if (w.at === 'mount') return mountedAttr(w.point, await w.fs.getattr(w.inner))
      if (w.at === 'base') return base.getattr(path)
      return base.getattr(path).catch((err: FsError) => {
        if (err.code === 'ENOENT') return aboveAttr(path)
        throw err
      })
    },
    async readdir(path) {
      const w = where(path)
      if (w.at === 'mount') return w.fs.readdir(w.inner)
      const names = await base.readdir(path).catch((err: FsError) => {
        if (w.at === 'above' && err.code === 'ENOENT') return [] as string[]
        throw err
      })
      const points = pointsIn(path)
      return points.length === 0 ? names : [...new Set([...names, ...points])]
    },
    async open(path, flags) {
      const w = where(path)
      if (w.at === 'mount') return remember(w.fs, await w.fs.open(w.inner, flags))
      if (w.at === 'above' && flags.write) throw busy(path)
      return base.open(path, flags)
    },
    async create(path, mode, who) {
      const w = where(path)
      if (w.at === 'mount') return remember(w.fs, await w.fs.create(w.inner, mode, who))
      if (w.at === 'above') throw new FsError('EEXIST', path)
      return base.create(path, mode, who)
    },
    read: handleCall((fs, h, position: number, length: number) => fs.read(h, position, length)),
    write: handleCall((fs, h, position: number, data: Uint8Array) => fs.write(h, position, data)),
    ftruncate: handleCall((fs, h, size: number) => fs.ftruncate(h, size)),
    fallocate: handleCall((fs, h, mode: number, offset: number, length: number) =>
      fs.fallocate(h, mode, offset, length),
    ),
    flush: handleCall((fs, h) => fs.flush(h)),
    fsync: handleCall((fs, h) => fs.fsync(h)),
    async release(handle) {
      const m = open.get(handle)
      if (!m) return base.release(handle)
      open.delete(handle)
      return m.fs.release(m.handle)
    },
    truncate: change((fs, p, size: number) => fs.truncate(p, size)),
    unlink: change((fs, p) => fs.unlink(p), 'busy'),
    mkdir: change((fs, p, mode: number, who?: Owner) => fs.mkdir(p, mode, who), 'exists'),
    mknod: change((fs, p, mode: number, rdev: number, who?: Owner) => fs.mknod(p, mode, rdev, who), 'exists'),
    rmdir: change((fs, p) => fs.rmdir(p), 'busy'),
    utimens: change((fs, p, a: number | null, m: number | null) => fs.utimens(p, a, m)),
    chmod: change((fs, p, mode: number) => fs.chmod(p, mode)),
    chown: change((fs, p, uid: number, gid: number) => fs.chown(p, uid, gid)),
    async symlink(target, path, who) {
      const w = where(path)
      if (w.at === 'mount') return w.fs.symlink(target, w.inner, who)
      if (w.at === 'above') throw new FsError('EEXIST', path)
      return base.symlink(target, path, who)
    },
    async readlink(path) {
      const w = where(path)
      if (w.at === 'mount') return w.fs.readlink(w.inner)
      if (w.at === 'above') throw new FsError('EINVAL', `${path} is not a symlink`)
      return base.readlink(path)
    },
    async link(existing, path) {
      const t = sameTree(existing, path, 'a hard link from')
      return t.fs.link(t.from, t.to)
    },
    async rename(from, to) {
      const t = sameTree(from, to, 'moving')
      return t.fs.rename(t.from, t.to)
    },
    statfs: () => base.statfs(),
  }
}

/** A path's stable number (FNV-1a), for the inode of a folder shown above a mount point. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0
  return h
}
