// `peerdrive apps [list|grant|deny|revoke|log]`: the apps that asked the
// running node for access, and the user's answers, through its API.
import { callApi } from '../core/api/index.ts'
import { USAGE_PERIOD_MS } from '../core/apps/usage-payments.ts'
import type { AppSummary } from '../core/api/contract.ts'
import { UsageError } from '../core/errors.ts'
import { formatSize } from '../core/size.ts'
import type { Command, OptionValues } from './command.ts'
import { listOption, nodeEndpoint } from './command.ts'

const apiPort = { 'api-port': { type: 'string' } } as const
const json = { type: 'boolean' } as const

function appId(id: string | undefined): string {
  if (!id || !/^[0-9a-f]{16}$/.test(id))
    throw new UsageError('<id> is the 16 hex digits peerdrive apps shows')
  return id
}

export function describeApp(a: AppSummary): string {
  const wants = [
    a.wants.container ? `own folder (${formatSize(a.wants.storage_bytes)})` : '',
    a.wants.read_folders ? 'read folders you pick' : '',
    a.wants.publish ? 'publish public data' : '',
  ].filter(Boolean)
  const lines = [
    `${a.id}  ${a.name} ${a.version}  ${a.state}`,
    `  wants: ${wants.join(', ') || 'nothing'}; price ${a.usage_price} coin(s) per ${USAGE_PERIOD_MS / 86_400_000} days; developer ${a.developer_wallet.slice(0, 16)}…`,
  ]
  if (a.grant) {
    lines.push(
      `  folder: ${a.container}${a.grant.read_folders.length ? `; reads ${a.grant.read_folders.join(', ')}` : ''}`,
    )
    lines.push(
      `  usage: ${a.usage.calls} call(s), ${a.usage.refused} refused, ${formatSize(a.usage.bytes_written)} written, ${a.usage.published} published; its reads won its developer ${a.usage.developer_coins} coin(s)`,
    )
    for (const p of a.payments.slice(-3))
      lines.push(
        `  paid to its developer ${new Date(p.started_at).toISOString().slice(0, 10)}: ${p.paid} of ${p.due} coin(s)${p.state === 'paid' ? '' : ` (${p.state})`}`,
      )
  }
  return lines.join('\n')
}

async function list(values: OptionValues): Promise<void> {
  const { apps } = await callApi(await nodeEndpoint(values), 'apps-list', {})
  if (values.json === true) return void process.stdout.write(`${JSON.stringify(apps)}\n`)
  process.stdout.write(
    apps.length ? `${apps.map(describeApp).join('\n')}\n` : 'no app has asked for access\n',
  )
}

const listCommand = (path: string[]): Command => ({
  path,
  usage: 'apps [list] [--json] [--api-port <port>]',
  positionals: 0,
  options: { ...apiPort, json },
  run: list,
})

export const appsCommands: Command[] = [
  listCommand(['apps', 'list']),
  {
    path: ['apps', 'grant'],
    usage: 'apps grant <id> [--folder <drive path>…] [--api-port <port>]',
    positionals: 1,
    options: { ...apiPort, folder: { type: 'string', multiple: true } },
    async run(values, [id]) {
      const folders = listOption(values, 'folder').map((f) => (f.length > 1 ? f.replace(/\/+$/, '') : f))
      const a = await callApi(await nodeEndpoint(values), 'apps-grant', {
        id: appId(id),
        read_folders: folders,
      })
      process.stdout.write(`Granted ${a.name}: its folder is ${a.container}.\n`)
    },
  },
  {
    path: ['apps', 'deny'],
    usage: 'apps deny <id> [--api-port <port>]',
    positionals: 1,
    options: apiPort,
    async run(values, [id]) {
      const a = await callApi(await nodeEndpoint(values), 'apps-deny', { id: appId(id) })
      process.stdout.write(`Denied ${a.name}.\n`)
    },
  },
  {
    path: ['apps', 'revoke'],
    usage: 'apps revoke <id> [--api-port <port>]',
    positionals: 1,
    options: apiPort,
    async run(values, [id]) {
      const a = await callApi(await nodeEndpoint(values), 'apps-revoke', { id: appId(id) })
      process.stdout.write(`Revoked ${a.name}: its token opens nothing from now on.\n`)
    },
  },
  {
    path: ['apps', 'log'],
    usage: 'apps log <id> [--json] [--api-port <port>]',
    positionals: 1,
    options: { ...apiPort, json },
    async run(values, [id]) {
      const { entries } = await callApi(await nodeEndpoint(values), 'apps-log', { id: appId(id) })
      if (values.json === true) return void process.stdout.write(`${JSON.stringify(entries)}\n`)
      for (const e of entries)
        process.stdout.write(
          `${new Date(e.at).toISOString()}  ${e.command.padEnd(12)} ${e.outcome.padEnd(7)} ${e.target ?? ''}${e.detail ? `  (${e.detail})` : ''}\n`,
        )
    },
  },
  // last: `apps` alone lists, and must not take the words of the commands above
  listCommand(['apps']),
]
