// Named failures of mounting: each message is one line a user can act on.
import { PeerDriveError } from '../main/core/errors.ts'

export const FUSE_INSTALL_HINT = 'apt-get install fuse libfuse2'

/** FUSE cannot be used on this machine (no /dev/fuse, no libfuse, unsupported platform). */
export class FuseUnavailableError extends PeerDriveError {
  readonly hint: string
  constructor(reason: string, hint: string, cause?: unknown) {
    super('FuseUnavailable', `FUSE is unavailable: ${reason}${hint ? ` (${hint})` : ''}`, { cause })
    this.hint = hint
  }
}

/** The mount point is an ordinary directory with files in it: mounting over them would hide them. */
export class MountPointNotEmptyError extends PeerDriveError {
  readonly path: string
  constructor(path: string) {
    super('MountPointNotEmpty', `mount point ${path} is not empty: choose an empty or new directory`)
    this.path = path
  }
}

/** The mount point exists and is a file, symlink or device, not a directory. */
export class MountPointNotDirectoryError extends PeerDriveError {
  readonly path: string
  constructor(path: string) {
    super('MountPointNotDirectory', `mount point ${path} exists and is not a directory`)
    this.path = path
  }
}

/** Something is mounted at the mount point already (a live file system, or a dead one left in place). */
export class MountPointBusyError extends PeerDriveError {
  readonly path: string
  constructor(path: string, detail: string) {
    super('MountPointBusy', `mount point ${path} is in use: ${detail}`)
    this.path = path
  }
}

/** libfuse refused the mount. */
export class MountFailedError extends PeerDriveError {
  readonly path: string
  constructor(path: string, reason: string, cause?: unknown) {
    super('MountFailed', `could not mount the drive at ${path}: ${reason}`, { cause })
    this.path = path
  }
}

/** Neither fusermount nor umount could detach the mount. */
export class UnmountFailedError extends PeerDriveError {
  readonly path: string
  constructor(path: string, reason: string, cause?: unknown) {
    super('UnmountFailed', `could not unmount ${path}: ${reason}`, { cause })
    this.path = path
  }
}
