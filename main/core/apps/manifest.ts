// What an app asks for when it requests access: who it is, who is paid for
// it, and the permissions it wants. Everything here arrives from another
// process, so it is checked field by field and nothing else is kept.
import { UsageError } from '../errors.ts'

export interface AppPermissions {
  /** Read and write of the app's own folder in the user's drive. */
  container: boolean
  /** Read of folders the user picks when granting (the app cannot name them). */
  read_folders: boolean
  /** Publishing files of its container as public data. */
  publish: boolean
  /** The most bytes the app's container may hold. */
  storage_bytes: number
}

export interface AppManifest {
  name: string
  version: string
  /** The developer's wallet id (64 hex digits), for the usage share. */
  developer_wallet: string
  /** Coins per period the user agrees to pay the developer; 0 is free. */
  usage_price: number
  permissions: AppPermissions
}

/** The largest storage budget an app may ask for: 1 TiB. */
export const MAX_STORAGE_BYTES = 2 ** 40

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u
const VERSION = /^[0-9A-Za-z.+-]{1,32}$/
const WALLET = /^[0-9a-f]{64}$/

/** The manifest, checked and copied field by field; anything wrong is a UsageError naming the field. */
export function parseManifest(input: unknown): AppManifest {
  const m = input as Record<string, unknown>
  if (typeof input !== 'object' || input === null) throw new UsageError('the manifest must be an object')
  if (typeof m.name !== 'string' || !NAME.test(m.name) || m.name.trim() !== m.name)
    throw new UsageError('manifest name: 1 to 64 letters, digits, spaces, ".", "_" or "-"')
  if (typeof m.version !== 'string' || !VERSION.test(m.version))
    throw new UsageError('manifest version: 1 to 32 of 0-9 A-Z a-z . + -')
  if (typeof m.developer_wallet !== 'string' || !WALLET.test(m.developer_wallet))
    throw new UsageError('manifest developer_wallet: a wallet id, 64 lowercase hex digits')
  if (!Number.isSafeInteger(m.usage_price) || (m.usage_price as number) < 0)
    throw new UsageError('manifest usage_price: a whole number of coins, 0 or more')
  const p = m.permissions as Record<string, unknown>
  if (typeof p !== 'object' || p === null) throw new UsageError('manifest permissions: an object')
  for (const key of ['container', 'read_folders', 'publish'] as const)
    if (p[key] !== undefined && typeof p[key] !== 'boolean')
      throw new UsageError(`manifest permissions.${key}: true or false`)
  const budget = p.storage_bytes ?? 0
  if (!Number.isSafeInteger(budget) || (budget as number) < 0 || (budget as number) > MAX_STORAGE_BYTES)
    throw new UsageError(`manifest permissions.storage_bytes: 0 to ${MAX_STORAGE_BYTES}`)
  return {
    name: m.name,
    version: m.version,
    developer_wallet: m.developer_wallet,
    usage_price: m.usage_price as number,
    permissions: {
      container: p.container === true,
      read_folders: p.read_folders === true,
      publish: p.publish === true,
      storage_bytes: budget as number,
    },
  }
}
