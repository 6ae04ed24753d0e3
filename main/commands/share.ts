// `peerdrive share <path> [--expires 7d]`, `peerdrive unshare <path|link|id>`
// and `peerdrive shares`: read-only share links to files and folders of the
// drive, through the running node's API. A link follows the folder as it
// changes until it expires or is revoked. `--with <id> --write` shares a
// folder for writing with another account.
import { callApi } from '../core/api/client.ts'
import type { ReceivedSummary, ShareSummary } from '../core/api/contract.ts'
import { UsageError } from '../core/errors.ts'
import { isAccountId } from '../core/share/offer.ts'
import type { Command } from './command.ts'
import { nodeEndpoint, stringOption } from './command.ts'
import { target } from './history.ts'

const SPAN = /^(\d+)\s*(m|h|d|w)$/
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** "7d", "12h", "30m", "2w" in milliseconds. */
export function parseSpan(text: string): number {
  const m = SPAN.exec(text.trim())
  if (!m || Number(m[1]) <= 0)
    throw new UsageError(`--expires takes a span such as 30m, 12h, 7d or 2w, got "${text}"`)
  return Number(m[1]) * UNIT_MS[m[2]!]!
}

export function shareLine(s: ShareSummary): string {
  const until = s.expires_at
    ? `until ${new Date(s.expires_at).toISOString().slice(0, 16).replace('T', ' ')}Z`
    : 'no expiry'
  if (s.write)
    return `${s.id}  ${s.path}  with ${s.with?.slice(0, 16)}…  ${s.state} (for writing, no expiry)${s.error ? `  last update failed: ${s.error}` : ''}`
  return `${s.id}  ${s.path}${s.with ? `  with ${s.with.slice(0, 16)}…` : ''}  ${s.state}${s.state === 'live' ? ` (${until})` : ''}${s.error ? `  last update failed: ${s.error}` : ''}\n  ${s.link}`
}

const apiPort = { 'api-port': { type: 'string' } } as const

export const shareCommand: Command = {
  path: ['share'],
  usage:
    'share <path> [--expires <30m|12h|7d|2w>] [--with <account id> [--write]] [--json] [--api-port <port>]',
  positionals: 1,
  options: {
    expires: { type: 'string' },
    with: { type: 'string' },
    write: { type: 'boolean' },
    json: { type: 'boolean' },
    ...apiPort,
  },
  async run(values, [input]) {
    const expires = stringOption(values, 'expires')
    const to = stringOption(values, 'with')
    const write = values.write === true
    if (write && !to)
      throw new UsageError('--write shares a folder with one account: name it with --with <account id>')
    if (write && expires)
      throw new UsageError('a folder shared for writing does not expire: unshare it instead')
    if (to !== undefined && !isAccountId(to))
      throw new UsageError(
        `--with takes an account id, 64 hex characters (peerdrive account shows yours), got "${to}"`,
      )
    const { endpoint, path } = await target(values, input!)
    const s = await callApi(
      endpoint,
      'share-create',
      {
        path,
        ...(expires ? { expires_ms: parseSpan(expires) } : {}),
        ...(to ? { with: to } : {}),
        ...(write ? { write } : {}),
      },
      { timeoutMs: 600_000 },
    )
    if (values.json === true) return void process.stdout.write(`${JSON.stringify(s)}\n`)
    if (s.write) {
      process.stdout.write(
        `shared ${s.path} for writing with account ${s.with}: it shows in their "Shared with me", and edits on either side reach the other\n`,
      )
      return
    }
    if (s.with) {
      process.stdout.write(`sent ${s.path} to account ${s.with}: it shows in their "Shared with me"\n`)
      return
    }
    process.stdout.write(`${s.link}\n`)
    process.stderr.write(
      `anyone with this link can read ${s.path} as it is now and as it changes, ${s.expires_at ? `until ${new Date(s.expires_at).toISOString()}` : 'until you run peerdrive unshare'}\n`,
    )
  },
}

export const unshareCommand: Command = {
  path: ['unshare'],
  usage: 'unshare <path|link|share id> [--api-port <port>]',
  positionals: 1,
  options: { ...apiPort },
  async run(values, [input]) {
    const named = input!.startsWith('pds1:') || /^[0-9a-f]{16}$/.test(input!)
    const { endpoint, path } = named
      ? { endpoint: await nodeEndpoint(values), path: input! }
      : await target(values, input!)
    const { shares } = await callApi(endpoint, 'share-revoke', { target: path }, { timeoutMs: 120_000 })
    for (const s of shares)
      process.stdout.write(
        s.write
          ? `stopped sharing ${s.path} for writing: it is yours alone again\n`
          : `revoked: ${s.path} (${s.id})\n`,
      )
  },
}

export const sharesCommand: Command = {
  path: ['shares'],
  usage: 'shares [--json] [--api-port <port>]',
  positionals: 0,
  options: { json: { type: 'boolean' }, ...apiPort },
  async run(values) {
    const { shares } = await callApi(await nodeEndpoint(values), 'share-list', {})
    if (values.json === true) return void process.stdout.write(`${JSON.stringify(shares)}\n`)
    process.stdout.write(shares.length ? `${shares.map(shareLine).join('\n')}\n` : 'nothing is shared\n')
  },
}

export function receivedLine(s: ReceivedSummary): string {
  const what =
    s.kind === 'file' ? 'file' : s.kind === 'folder' ? `folder, ${s.files} file(s)` : 'not read yet'
  return `${s.name}  ${s.state} (${what}, ${s.bytes} bytes${s.write ? ', for writing' : ''})${s.from ? `  from ${s.from}` : ''}${s.error ? `  last read failed: ${s.error}` : ''}`
}

export const sharedAddCommand: Command = {
  path: ['shared', 'add'],
  usage: 'shared add <link> [--json] [--api-port <port>]',
  positionals: 1,
  options: { json: { type: 'boolean' }, ...apiPort },
  async run(values, [link]) {
    const s = await callApi(await nodeEndpoint(values), 'shared-add', { link: link! }, { timeoutMs: 120_000 })
    if (values.json === true) return void process.stdout.write(`${JSON.stringify(s)}\n`)
    process.stdout.write(`${receivedLine(s)}\n  read-only in your drive under "Shared with me/${s.name}"\n`)
  },
}

export const sharedRemoveCommand: Command = {
  path: ['shared', 'remove'],
  usage: 'shared remove <name|link> [--api-port <port>]',
  positionals: 1,
  options: { ...apiPort },
  async run(values, [target]) {
    const s = await callApi(await nodeEndpoint(values), 'shared-remove', { target: target! })
    process.stdout.write(`removed: ${s.name}\n`)
  },
}

export const sharedCommand: Command = {
  path: ['shared'],
  usage: 'shared [--json] [--api-port <port>]',
  positionals: 0,
  options: { json: { type: 'boolean' }, ...apiPort },
  async run(values) {
    const { shared } = await callApi(await nodeEndpoint(values), 'shared-list', {})
    if (values.json === true) return void process.stdout.write(`${JSON.stringify(shared)}\n`)
    process.stdout.write(
      shared.length ? `${shared.map(receivedLine).join('\n')}\n` : 'nothing is shared with you\n',
    )
  },
}

export const shareCommands: Command[] = [
  shareCommand,
  unshareCommand,
  sharesCommand,
  // the longer paths first: the first command whose words match is the one run
  sharedAddCommand,
  sharedRemoveCommand,
  sharedCommand,
]
