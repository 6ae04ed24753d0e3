// api owns the typed contract of commands the UI, CLI and tray use, its dispatcher, and its loopback HTTP server and client.
export type {
  AccountStatus,
  ApiCommands,
  CommandName,
  CredentialArgs,
  DegradedFile,
  FileVersion,
  FileVersions,
  Handlers,
  StatusResult,
  Settings,
  SettingsChange,
  RecentFile,
  ApiEvent,
  LogEntry,
  LogLevel,
} from './contract.ts'
export { ApiError, dispatch, statusOf } from './dispatcher.ts'
export { startApiServer } from './http-server.ts'
export type { ApiServer } from './http-server.ts'
export { NodeNotRunningError, callApi, endpointFile, findEndpoint } from './client.ts'
export type { ApiEndpoint } from './client.ts'
export { EventHub } from './event-hub.ts'
export { LogRing, levelOf } from './log-ring.ts'
export { recentFiles } from './recent-files.ts'
export { WANTED_COPIES, degradedFileText, degradedSummary, degradedText } from './degraded.ts'
export type { DegradedSummary } from './degraded.ts'
export type { PendingFile } from './recent-files.ts'
export { EVENTS_PATH, TOKEN_PROTOCOL_PREFIX } from './event-socket.ts'
