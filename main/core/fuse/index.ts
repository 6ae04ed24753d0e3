// Owns the FUSE adapter: DriveFs operations as kernel requests, errno mapping, and mounting a drive.
export { checkMountable, mountDrive } from './mount.ts'
export type { MountDriveOptions, MountedDrive } from './mount.ts'
export { createFuseOps } from './ops.ts'
export type { FuseOpsOptions } from './ops.ts'
export { errnoFor, errnoOf, fsErrorCode } from './errno.ts'
export type { Log } from './errno.ts'
export { FS_BLOCK_SIZE, IO_BLOCK_SIZE, currentOwner, toFuseStat, toFuseStatfs, toOpenFlags } from './attr.ts'
export type { Owner } from './attr.ts'
