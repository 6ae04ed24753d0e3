// Drive attributes in the shapes libfuse wants: stat (type bits, owner,
// blocks) and statfs (blocks of the capacity `df` shows).
import { constants } from 'node:fs'
import type { Attr, EntryKind, OpenFlags, StatFs } from '../drive/fs-types.ts'
import type { FuseStat, FuseStatfs } from '../../../native/fuse.ts'

export interface Owner {
  uid: number
  gid: number
}

/** Preferred I/O size: what stdio and cp buffer, matched to the largest FUSE write (max_write). */
export const IO_BLOCK_SIZE = 128 * 1024
/** f_bsize as `df` and statvfs callers expect it. */
export const FS_BLOCK_SIZE = 4096

const TYPE_BITS: Record<EntryKind, number> = {
  file: constants.S_IFREG,
  dir: constants.S_IFDIR,
  symlink: constants.S_IFLNK,
  fifo: constants.S_IFIFO,
  socket: constants.S_IFSOCK,
  char: constants.S_IFCHR,
  block: constants.S_IFBLK,
}

const UINT32_MAX = 0xffff_ffff

/** The mounting user: the default owner of entries made on no process's behalf. */
export function currentOwner(): Owner {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
}

/** The stat of an entry; its owner is its own, `fallback` only for a file system that keeps none. */
export function toFuseStat(attr: Attr, fallback: Owner): FuseStat {
  return {
    mode: TYPE_BITS[attr.kind] | (attr.mode & 0o7777),
    uid: attr.uid ?? fallback.uid,
    gid: attr.gid ?? fallback.gid,
    size: attr.size,
    nlink: attr.nlink,
    ino: attr.ino,
    rdev: attr.rdev ?? 0,
    blksize: IO_BLOCK_SIZE,
    blocks: Math.ceil((attr.allocatedBytes ?? attr.size) / 512),
    atime: ms(attr.atimeMs),
    mtime: ms(attr.mtimeMs),
    ctime: ms(attr.ctimeMs),
  }
}

function ms(time: number): number {
  return Math.max(0, Math.floor(time))
}

/**
 * fuse-native hands every statfs field to libfuse as a uint32, so a drive of
 * 16 TiB or more is counted in larger blocks rather than overflow.
 */
export function toFuseStatfs(s: StatFs): FuseStatfs {
  let bsize = FS_BLOCK_SIZE
  while (s.totalBytes / bsize > UINT32_MAX) bsize *= 2
  const free = Math.floor(Math.max(0, Math.min(s.freeBytes, s.totalBytes)) / bsize)
  const filesFree = Math.min(UINT32_MAX, s.filesFree)
  return {
    bsize,
    frsize: bsize,
    blocks: Math.floor(s.totalBytes / bsize),
    bfree: free,
    bavail: free,
    files: Math.min(UINT32_MAX, s.files),
    ffree: filesFree,
    favail: filesFree,
    fsid: 0,
    flag: 0,
    namemax: s.nameMax,
  }
}

/** open(2) flags as the drive understands them. */
export function toOpenFlags(flags: number): OpenFlags {
  const access = flags & 3 // O_ACCMODE
  return {
    write: access === constants.O_WRONLY || access === constants.O_RDWR,
    truncate: (flags & constants.O_TRUNC) !== 0,
    append: (flags & constants.O_APPEND) !== 0,
  }
}
