// The file-system contract between the drive and its adapters (FUSE, tests):
// POSIX-shaped operations on paths and open handles, failures as FsError
// with the errno name the adapter passes to the kernel.
import { PeerDriveError } from '../errors.ts'

/** Regular files, directories, symlinks, and the special files mknod makes (fifos, sockets, devices). */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block'

/** Who a new entry belongs to: the process that made it. */
export interface Owner {
  uid: number
  gid: number
}

export interface Attr {
  kind: EntryKind
  /** Bytes for files, target length for symlinks, entry count for directories. */
  size: number
  /** Permission bits only (e.g. 0o644); the adapter adds the file-type bits. */
  mode: number
  mtimeMs: number
  ctimeMs: number
  atimeMs: number
  uid: number
  gid: number
  /** Device number of a character or block device, else 0. */
  rdev: number
  /** Stable per entry while mounted. */
  ino: number
  nlink: number
  /** Bytes the entry takes locally (sparse files take less than their size); defaults to size. */
  allocatedBytes?: number
}

export interface StatFs {
  /** What the drive can hold: the user's quota, or the network's free space as this node sees it. */
  totalBytes: number
  freeBytes: number
  files: number
  filesFree: number
  /** Longest file name accepted. */
  nameMax: number
}

export type FsErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTEMPTY'
  | 'EISDIR'
  | 'ENOTDIR'
  | 'ENOSPC'
  | 'EIO'
  | 'EINVAL'
  | 'EBADF'
  | 'ENAMETOOLONG'
  | 'EACCES'
  | 'EPERM'
  | 'EXDEV'
  | 'EOPNOTSUPP'
  | 'EBUSY'
  | 'EMLINK'
  | 'EFBIG'
  | 'EROFS'

export class FsError extends PeerDriveError {
  readonly code: FsErrorCode
  constructor(code: FsErrorCode, message: string) {
    super('FsError', `${code}: ${message}`)
    this.code = code
  }
}

/** Open flags the drive understands (the O_ACCMODE part and O_TRUNC/O_APPEND of open(2)). */
export interface OpenFlags {
  write: boolean
  truncate?: boolean
  append?: boolean
}

/**
 * What a mounted drive does. Paths are absolute within the drive ('/', '/a/b').
 * Writes are acknowledged once they are in the local journal; fsync and
 * release mark them for upload.
 */
export interface DriveFs {
  getattr(path: string): Promise<Attr>
  readdir(path: string): Promise<string[]>
  open(path: string, flags: OpenFlags): Promise<number>
  /** New entries belong to `owner` (the calling process), or to the drive's default owner. */
  create(path: string, mode: number, owner?: Owner): Promise<number>
  read(handle: number, position: number, length: number): Promise<Uint8Array>
  /** Returns the bytes written (all of them, or it throws). */
  write(handle: number, position: number, data: Uint8Array): Promise<number>
  truncate(path: string, size: number): Promise<void>
  ftruncate(handle: number, size: number): Promise<void>
  flush(handle: number): Promise<void>
  fsync(handle: number): Promise<void>
  release(handle: number): Promise<void>
  unlink(path: string): Promise<void>
  mkdir(path: string, mode: number, owner?: Owner): Promise<void>
  /** A regular file, fifo, socket or device node; `mode` carries the S_IF* type bits. */
  mknod(path: string, mode: number, rdev: number, owner?: Owner): Promise<void>
  /** A second name for an existing non-directory. */
  link(existing: string, path: string): Promise<void>
  rmdir(path: string): Promise<void>
  /** Replaces an existing destination (a file by a file, an empty dir by a dir). */
  rename(from: string, to: string): Promise<void>
  /** Sets access and modification times; null leaves that time as it is (UTIME_OMIT). */
  utimens(path: string, atimeMs: number | null, mtimeMs: number | null): Promise<void>
  chmod(path: string, mode: number): Promise<void>
  /** -1 leaves the uid or gid as it is. */
  chown(path: string, uid: number, gid: number): Promise<void>
  /** Mode 0 allocates (and grows the size); FALLOC_FL_KEEP_SIZE allocates without growing; others EOPNOTSUPP. */
  fallocate(handle: number, mode: number, offset: number, length: number): Promise<void>
  symlink(target: string, path: string, owner?: Owner): Promise<void>
  readlink(path: string): Promise<string>
  statfs(): Promise<StatFs>
}
