// `peerdrive status`: asks the running node how it is doing.
import { callApi, degradedFileText, degradedSummary, degradedText } from '../core/api/index.ts'
import type { StatusResult } from '../core/api/index.ts'
import { formatSize } from '../core/size.ts'
import type { Command } from './command.ts'
import { nodeEndpoint } from './command.ts'

export const statusCommand: Command = {
  path: ['status'],
  usage: 'status [--json] [--api-port <port>]',
  positionals: 0,
  options: { json: { type: 'boolean' }, 'api-port': { type: 'string' } },
  async run(values) {
    const status = await callApi(await nodeEndpoint(values), 'status', {})
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(status)}\n`)
      return
    }
    process.stdout.write(`${statusLines(status).join('\n')}\n`)
  },
}

/** `peerdrive status` for people: one line per part, then one per file that needs attention. */
export function statusLines(status: StatusResult): string[] {
  const s = status.sync
  const degraded = degradedSummary(s)
  return [
    `drive    ${status.mounted ? `mounted at ${status.mount}` : 'not mounted'}`,
    `sync     ${syncSummary(s)}`,
    ...s.uploading.map(
      (u) => `         uploading ${u.name}: ${formatSize(u.done)} of ${formatSize(u.total)}`,
    ),
    ...(degraded ? (s.degraded ?? []).map((f) => `         ${f.name}: ${degradedFileText(f)}`) : []),
    ...s.errors.map((e) => `         error ${e.name}: ${e.error}`),
    `vault    ${formatSize(status.vault.used_bytes)} used of ${formatSize(status.vault.donated_bytes)} donated (${status.vault.chunks} chunks)`,
    ...cacheLines(status.cache),
    ...(status.storage
      ? [
          `storage  ${formatSize(status.storage.used_bytes)} paid for of ${formatSize(status.storage.allowance_bytes)} allowed ` +
            (status.storage.bought_bytes > 0
              ? `(${formatSize(status.storage.bought_bytes)} bought with coin, the rest earned by this node's vault)`
              : "(earned by this node's vault)"),
        ]
      : []),
    `network  ${status.peers} peers; ${status.network.repairs} repairs`,
    ...reachabilityLines(status.network),
  ]
}

/** Whether the network reaches this node, and what it does about it. */
function reachabilityLines(n: StatusResult['network']): string[] {
  if (n.reachability === undefined) return []
  const role = n.client_only
    ? 'client only: stores nothing for others'
    : n.reachability === 'public'
      ? 'serves as a vault and a relay'
      : 'serves as a vault'
  const relays = n.relayed_via?.length ? `; reachable through ${n.relayed_via.length} relay(s)` : ''
  return [`reach    ${n.reachability} — ${role}${relays}`]
}

/** "degraded — 2 files below 4 copies (1 of 4)"; while other uploads run, "syncing: …; 2 files below …". */
function syncSummary(s: StatusResult['sync']): string {
  const pending = s.files_pending ? `${s.files_pending} files, ${formatSize(s.bytes_pending)} to upload` : ''
  const degraded = degradedSummary(s)
  // the drive is 'degraded' only once nothing else is uploading: what it counts as pending is the degraded files
  if (degraded && (s.state === 'degraded' || s.state === 'synced'))
    return `degraded — ${degradedText(degraded)}`
  const below = degraded ? `; ${degradedText(degraded)}` : ''
  return `${s.state}${pending ? `: ${pending}` : ''}${below}`
}

/** What the drive's local cache holds: kept files, and chunks of online-only files read lately. */
function cacheLines(c: StatusResult['cache']): string[] {
  if (!c) return []
  return [
    `cache    ${c.kept_files} file(s) kept on this device (${formatSize(c.kept_bytes)}); ` +
      `${formatSize(c.cached_bytes)} of recently read files, limit ${formatSize(c.limit_bytes)}`,
  ]
}
