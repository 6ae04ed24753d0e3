// node/ wires a PeerDrive node together: the vault node that serves the
// network, the drive node on top of it, the API's commands and the dashboard's feed.
export { PeerDriveNode } from './vault-node.ts'
export type { NodeMetrics } from './vault-node.ts'
export { DriveNode } from './drive-node.ts'
export type { DriveNodeOptions, LoginRequest, NodeOptions } from './options.ts'
export { appHandlers, changeDonation, currentSettings, driveNodeHandlers } from './handlers.ts'
export type { HandledNode } from './handlers.ts'
export { NodeFeed } from './feed.ts'
export { DegradedLogoutError, UnsyncedLogoutError } from './errors.ts'
