// Routes a named command with untrusted JSON arguments to its handler.
import { PeerDriveError } from '../errors.ts'
import type { CommandName, Handlers } from './contract.ts'

export class ApiError extends PeerDriveError {
  readonly status: number
  constructor(status: number, message: string) {
    super('ApiError', message)
    this.status = status
  }
}

const validators: { [K in CommandName]: (args: unknown) => boolean } = {
  status: () => true,
  'set-donation': (a) =>
    Number.isSafeInteger((a as { bytes?: unknown })?.bytes) && (a as { bytes: number }).bytes > 0,
  'account-status': () => true,
  'account-create': (a) => isCredentials(a) && optionalBoolean(a, 'remember'),
  'account-login': (a) => isCredentials(a) && optionalBoolean(a, 'remember'),
  'account-logout': (a) => optionalBoolean(a, 'force'),
  'account-passwd': (a) => isCredentials(a) && isShortString((a as Record<string, unknown>).new_password),
  'wallet-balance': () => true,
  'wallet-history': () => true,
  'wallet-send': (a) => {
    const r = a as Record<string, unknown>
    return (
      Number.isSafeInteger(r?.coins) &&
      (r.coins as number) > 0 &&
      typeof r.to === 'string' &&
      r.to.length <= 128
    )
  },
  'storage-buy': (a) => {
    const r = a as Record<string, unknown>
    return Number.isSafeInteger(r?.coins) && (r.coins as number) > 0 && (r.coins as number) <= 1000
  },
  'farming-pause': (a) => typeof (a as Record<string, unknown>)?.paused === 'boolean',
  'settings-get': () => true,
  'settings-set': isSettingsChange,
  logs: (a) => optionalOneOf(a, 'level', ['info', 'warn', 'error']) && optionalCount(a, 'limit'),
  'files-recent': (a) => optionalCount(a, 'limit'),
  'files-versions': (a) => isDrivePath((a as Record<string, unknown>)?.path),
  'apps-list': () => true,
  'apps-grant': (a) => {
    const folders = (a as Record<string, unknown>)?.read_folders
    return (
      isAppId(a) &&
      (folders === undefined ||
        (Array.isArray(folders) && folders.length <= 32 && folders.every(isDrivePath)))
    )
  },
  'apps-deny': isAppId,
  'apps-revoke': isAppId,
  'apps-log': (a) => isAppId(a) && optionalCount(a, 'limit'),
  'public-get': (a) => {
    const address = (a as Record<string, unknown>)?.address
    return typeof address === 'string' && address.length <= 128
  },
  'files-restore': (a) => {
    const r = a as Record<string, unknown>
    return (
      isDrivePath(r?.path) &&
      (r.version === undefined || (Number.isSafeInteger(r.version) && (r.version as number) > 0)) &&
      (r.at === undefined || (Number.isSafeInteger(r.at) && (r.at as number) >= 0)) &&
      (r.version === undefined || r.at === undefined)
    )
  },
  'share-create': (a) => {
    const r = a as Record<string, unknown>
    return (
      isDrivePath(r?.path) &&
      (r.expires_ms === undefined || (Number.isSafeInteger(r.expires_ms) && (r.expires_ms as number) > 0)) &&
      (r.with === undefined || (typeof r.with === 'string' && r.with.length <= 128)) &&
      (r.write === undefined || typeof r.write === 'boolean')
    )
  },
  'share-list': () => true,
  'share-revoke': (a) => {
    const target = (a as Record<string, unknown>)?.target
    return typeof target === 'string' && target.length > 0 && target.length <= 4096
  },
  'shared-add': (a) => {
    const link = (a as Record<string, unknown>)?.link
    return typeof link === 'string' && link.length > 0 && link.length <= 256
  },
  'shared-list': () => true,
  'shared-remove': (a) => {
    const target = (a as Record<string, unknown>)?.target
    return typeof target === 'string' && target.length > 0 && target.length <= 4096
  },
  'files-keep': (a) => isDrivePath((a as Record<string, unknown>)?.path),
  'files-free': (a) => isDrivePath((a as Record<string, unknown>)?.path),
  'files-availability': (a) => {
    const paths = (a as Record<string, unknown>)?.paths
    return paths === undefined || (Array.isArray(paths) && paths.length <= 1000 && paths.every(isDrivePath))
  },
}

/** An app's id, as the node gave it at its request. */
function isAppId(a: unknown): boolean {
  const id = (a as Record<string, unknown>)?.id
  return typeof id === 'string' && /^[0-9a-f]{16}$/.test(id)
}

/** A path in the drive: from its root, with no "." or ".." in it, and no longer than Linux allows. */
function isDrivePath(v: unknown): boolean {
  return (
    typeof v === 'string' &&
    v.startsWith('/') &&
    v.length <= 4096 &&
    !v.includes('\0') &&
    !v.split('/').some((name) => name === '.' || name === '..')
  )
}

function isSettingsChange(a: unknown): boolean {
  const r = a as Record<string, unknown>
  if (typeof a !== 'object' || a === null) return false
  if (
    r.donated_bytes !== undefined &&
    !(Number.isSafeInteger(r.donated_bytes) && (r.donated_bytes as number) > 0)
  )
    return false
  if (r.mount !== undefined && !(isShortString(r.mount) && (r.mount as string).length > 0)) return false
  if (r.history_days !== undefined && !isHistoryDays(r.history_days)) return false
  for (const key of ['cache_limit_bytes', 'upload_bytes_per_s', 'download_bytes_per_s'])
    if (r[key] !== undefined && !(Number.isSafeInteger(r[key]) && (r[key] as number) >= 0)) return false
  return optionalBoolean(a, 'start_at_login')
}

/** Whole days, one up to ten years. */
function isHistoryDays(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= 3650
}

function optionalOneOf(a: unknown, key: string, values: string[]): boolean {
  const v = (a as Record<string, unknown>)?.[key]
  return v === undefined || (typeof v === 'string' && values.includes(v))
}

function optionalCount(a: unknown, key: string): boolean {
  const v = (a as Record<string, unknown>)?.[key]
  return v === undefined || (Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= 10_000)
}

const MAX_CREDENTIAL_LENGTH = 1024

function isShortString(v: unknown): boolean {
  return typeof v === 'string' && v.length <= MAX_CREDENTIAL_LENGTH
}

function isCredentials(a: unknown): boolean {
  const r = a as Record<string, unknown>
  return (
    typeof a === 'object' &&
    a !== null &&
    isShortString(r.keyword) &&
    isShortString(r.pin) &&
    isShortString(r.password)
  )
}

function optionalBoolean(a: unknown, key: string): boolean {
  const v = (a as Record<string, unknown>)?.[key]
  return v === undefined || typeof v === 'boolean'
}

/** The HTTP status a failed command answers with: the caller's fault (4xx) or the node's (5xx). */
const STATUS_BY_ERROR: Record<string, number> = {
  UsageError: 400,
  NoAccount: 401,
  AccountExists: 409,
  UnsyncedLogout: 409,
  DegradedLogout: 409,
  NotLoggedIn: 409,
  AccountNetwork: 503,
  AccountNotPaid: 402,
  WalletError: 409,
  ShareLinkError: 400,
  ShareRevoked: 410,
  ShareExpired: 410,
  ShareUnreadable: 404,
  MountPointNotEmpty: 409,
  MountPointBusy: 409,
  MountPointNotDirectory: 409,
  FuseUnavailable: 503,
}

export function statusOf(err: unknown): number {
  if (err instanceof ApiError) return err.status
  return STATUS_BY_ERROR[(err as Error)?.name] ?? 500
}

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(validators, name)
}

export async function dispatch(handlers: Handlers, name: string, args: unknown): Promise<unknown> {
  if (!isCommand(name)) throw new ApiError(404, `unknown command "${name}"`)
  if (!validators[name](args ?? {})) throw new ApiError(400, `bad arguments for "${name}"`)
  const handler = handlers[name] as (a: unknown) => Promise<unknown>
  return handler(args ?? {})
}
