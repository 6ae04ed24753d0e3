// `peerdrive versions <path>` and `peerdrive restore <path>`: a file's kept
// versions, and bringing one back, through the running node's API. The path
// is one in the mount (absolute, or relative to the working directory); it
// may name a file that was deleted.
import { realpath } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { callApi } from '../core/api/client.ts'
import type { FileVersion } from '../core/api/contract.ts'
import { PeerDriveError, UsageError } from '../core/errors.ts'
import { formatSize } from '../core/size.ts'
import type { Command, OptionValues } from './command.ts'
import { intOption, nodeEndpoint, stringOption } from './command.ts'

/** The drive path ("/docs/a.txt") of `input`, a path in the mount at `mount`. */
export function drivePath(mount: string, input: string, cwd = process.cwd()): string {
  const absolute = resolve(cwd, input)
  const inside = relative(resolve(mount), absolute)
  if (inside === '') return '/'
  if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside))
    throw new UsageError(`${input} is not in the drive (mounted at ${mount})`)
  return `/${inside.split(sep).join('/')}`
}

/** "2026-12-07 14:03:12Z": what `versions` prints and `--at` reads back. */
export function formatVersionTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')}Z`
}

const AGO = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * The moment `--at` names: a date and time ("2026-12-07 14:03:12Z", any form
 * Date.parse reads), or a span ago ("90m", "2h", "1d"). A time given to the
 * second covers that whole second, so a time copied from `versions` finds
 * the version listed with it.
 */
export function parseAt(text: string, now = Date.now()): number {
  const ago = AGO.exec(text.trim())
  if (ago) return Math.round(now - Number(ago[1]) * UNIT_MS[ago[2]!]!)
  const parsed = Date.parse(text)
  if (Number.isNaN(parsed))
    throw new UsageError(
      `--at takes a date and time (e.g. "2026-12-07 14:03:12Z") or a span ago (e.g. 2h, 1d), got "${text}"`,
    )
  return /\.\d+/.test(text) ? parsed : parsed + 999
}

export function versionLine(v: FileVersion): string {
  const device = v.device ?? 'unknown device'
  return `${String(v.number).padStart(3)}  ${formatVersionTime(v.at)}  ${formatSize(v.size).padStart(10)}  ${device}${v.current ? '  (current)' : ''}`
}

/** The running node's API and the drive path of `input`, a path in its mount. */
export async function target(values: OptionValues, input: string) {
  const endpoint = await nodeEndpoint(values)
  const status = await callApi(endpoint, 'status', {})
  if (!status.mount)
    throw new UsageError('the drive is not mounted: log in with peerdrive up, then try again')
  try {
    return { endpoint, path: drivePath(status.mount, input) }
  } catch (err) {
    // The working directory is always a real path: a mount reached through a symlink is matched by its real one.
    const real = await realpath(status.mount).catch(() => status.mount!)
    if (real === status.mount) throw err
    return { endpoint, path: drivePath(real, input) }
  }
}

export const versionsCommand: Command = {
  path: ['versions'],
  usage: 'versions <path> [--json] [--api-port <port>]',
  positionals: 1,
  options: { json: { type: 'boolean' }, 'api-port': { type: 'string' } },
  async run(values, [input]) {
    const { endpoint, path } = await target(values, input!)
    const listing = await callApi(endpoint, 'files-versions', { path })
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(listing)}\n`)
      return
    }
    if (listing.versions.length === 0)
      throw new PeerDriveError(
        'NoVersions',
        listing.exists
          ? `${input} has no versions yet: its content has not reached the network`
          : `${input} has no versions: nothing by that name was kept`,
      )
    if (!listing.exists)
      process.stderr.write(`${listing.path} was deleted; peerdrive restore brings a version back\n`)
    process.stdout.write(`${listing.versions.map(versionLine).join('\n')}\n`)
  },
}

export const restoreCommand: Command = {
  path: ['restore'],
  usage: 'restore <path> [--version <n> | --at <time>] [--api-port <port>]',
  positionals: 1,
  options: { version: { type: 'string' }, at: { type: 'string' }, 'api-port': { type: 'string' } },
  async run(values, [input]) {
    const atText = stringOption(values, 'at')
    if (atText !== undefined && values.version !== undefined)
      throw new UsageError('give --version or --at, not both')
    const version = values.version === undefined ? undefined : intOption(values, 'version', 1)
    const at = atText === undefined ? undefined : parseAt(atText)
    const { endpoint, path } = await target(values, input!)
    const result = await callApi(endpoint, 'files-restore', { path, version, at })
    const now = result.versions.find((v) => v.current)
    process.stdout.write(
      `restored ${result.path} to version ${result.restored.number} of ${formatVersionTime(result.restored.at)} (${formatSize(result.restored.size)})` +
        `${now ? `; it is version ${now.number} now` : ''}\n`,
    )
  },
}

export const historyCommands: Command[] = [versionsCommand, restoreCommand]
