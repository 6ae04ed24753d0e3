// The file-system contract between the drive and its adapters (FUSE, tests):
// POSIX-shaped operations on paths and open handles, failures as FsError
// with the errno name the adapter passes to the kernel.
import { PeerDriveError } from '../errors.ts'

export type EntryKind = 'file' | 'dir' | 'symlink'

export interface Attr {
  kind: EntryKind
  /** Bytes for files, target length for symlinks, entry count for directories. */
  size: number
  /** Permission bits only (e.g. 0o644); the adapter adds the file-type bits. */
  mode: number
  mtimeMs: number
  ctimeMs: number
  atimeMs: number
  /** Stable per entry while mounted. */
  ino: number
  nlink: number
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
  create(path: string, mode: number): Promise<number>
  read(handle: number, position: number, length: number): Promise<Uint8Array>
  /** Returns the bytes written (all of them, or it throws). */
  write(handle: number, position: number, data: Uint8Array): Promise<number>
  truncate(path: string, size: number): Promise<void>
  ftruncate(handle: number, size: number): Promise<void>
  flush(handle: number): Promise<void>
  fsync(handle: number): Promise<void>
  release(handle: number): Promise<void>
  unlink(path: string): Promise<void>
  mkdir(path: string, mode: number): Promise<void>
  rmdir(path: string): Promise<void>
  /** Replaces an existing destination (a file by a file, an empty dir by a dir). */
  rename(from: string, to: string): Promise<void>
  utimens(path: string, atimeMs: number, mtimeMs: number): Promise<void>
  chmod(path: string, mode: number): Promise<void>
  symlink(target: string, path: string): Promise<void>
  readlink(path: string): Promise<string>
  statfs(): Promise<StatFs>
}
