// The window's only way to the node: one IPC channel carrying API commands,
// answered by the same dispatcher as HTTP, from the app's own page only. Pure
// (no Electron import), so it is tested without Electron.
import { dispatch, statusOf } from '../core/api/index.ts'
import type { Handlers } from '../core/api/index.ts'

export const CALL_CHANNEL = 'peerdrive:call'
export const EVENT_CHANNEL = 'peerdrive:event'
export const SHOW_CHANNEL = 'peerdrive:show-in-folder'

export interface IpcReply {
  result?: unknown
  error?: string
  status?: number
}

/** True when the IPC message comes from the dashboard this app loaded, not some other page. */
export function isTrustedSender(senderUrl: string, dashboardOrigin: string): boolean {
  try {
    return new URL(senderUrl).origin === dashboardOrigin
  } catch {
    return false
  }
}

/** Answers one `peerdrive:call`; failures are replies with a status, never thrown across IPC. */
export async function handleCall(
  handlers: Handlers,
  senderUrl: string,
  dashboardOrigin: string,
  command: unknown,
  args: unknown,
): Promise<IpcReply> {
  if (!isTrustedSender(senderUrl, dashboardOrigin)) return { error: 'not the PeerDrive window', status: 403 }
  if (typeof command !== 'string') return { error: 'the command must be a name', status: 400 }
  try {
    return { result: await dispatch(handlers, command, args) }
  } catch (err) {
    return { error: (err as Error).message, status: statusOf(err) }
  }
}

/**
 * Checks a "Show in file manager" request: only paths inside the mounted drive
 * are shown, so a page cannot make the app reveal arbitrary files.
 */
export function showablePath(path: unknown, mount: string | null): string | null {
  if (typeof path !== 'string' || !mount) return null
  const normal = path.replace(/\/+$/, '')
  if (normal.includes('/../') || normal.endsWith('/..')) return null
  return normal === mount || normal.startsWith(`${mount}/`) ? normal : null
}
