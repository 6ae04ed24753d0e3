// Mounting a drive: clear a dead mount left by a crash, check the mount point,
// mount the operations, and unmount on request.
import type { DriveFs } from '../drive/fs-types.ts'
import {
  allowOtherSupport,
  FuseMount,
  FuseUnavailableError,
  cleanStaleMount,
  fuseSupport,
  prepareMountPoint,
} from '../../../native/fuse.ts'
import type { FuseMountOptions } from '../../../native/fuse.ts'
import { createFuseOps } from './ops.ts'
import type { FuseOpsOptions } from './ops.ts'

export interface MountDriveOptions extends FuseOpsOptions, FuseMountOptions {}

export interface MountedDrive {
  /** The absolute path the drive is mounted at. */
  readonly mountPoint: string
  /** Detaches the drive (files still open keep working until closed); idempotent. Leaves `fs` open. */
  unmount(): Promise<void>
}

/**
 * Mounts `fs` at `mountPoint`. A dead FUSE mount there (from a process that
 * crashed) is detached first; a missing directory is created; a non-empty
 * directory, a file or a live mount is refused with a named error.
 */
/**
 * Checks that a drive could be mounted at `mountPoint` now (FUSE present, the
 * directory usable and empty), clearing a dead mount left there: what a
 * caller asks before doing anything that cannot be undone, like creating an account.
 */
export async function checkMountable(mountPoint: string, log: (line: string) => void): Promise<void> {
  const support = fuseSupport()
  if (!support.available) throw new FuseUnavailableError(support.reason, support.hint)
  if (await cleanStaleMount(mountPoint))
    log(`fuse: detached a dead mount at ${mountPoint} left by an earlier run`)
  await prepareMountPoint(mountPoint)
}

export async function mountDrive(
  fs: DriveFs,
  mountPoint: string,
  opts: MountDriveOptions = {},
): Promise<MountedDrive> {
  const support = fuseSupport()
  if (!support.available) throw new FuseUnavailableError(support.reason, support.hint)
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`))
  if (await cleanStaleMount(mountPoint))
    log(`fuse: detached a dead mount at ${mountPoint} left by an earlier run`)
  const target = await prepareMountPoint(mountPoint)
  // Other users reach the drive as on a disk, with its permission bits checked
  // by the kernel (default_permissions), wherever the system lets us.
  let allowOther = opts.allowOther
  if (allowOther === undefined) {
    const other = allowOtherSupport()
    allowOther = other.permitted
    if (!other.permitted) log(`fuse: ${other.reason}`)
  }
  const mount = await FuseMount.mount(target, createFuseOps(fs, { ...opts, log }), { ...opts, allowOther })
  return { mountPoint: mount.mountPoint, unmount: () => mount.unmount() }
}
