// `peerdrive status`: asks the running node how it is doing.
import { callApi } from '../core/api/index.ts'
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
    const s = status.sync
    const lines = [
      `drive    ${status.mounted ? `mounted at ${status.mount}` : 'not mounted'}`,
      `sync     ${s.state}${s.files_pending ? `: ${s.files_pending} files, ${formatSize(s.bytes_pending)} to upload` : ''}`,
      ...s.uploading.map(
        (u) => `         uploading ${u.name}: ${formatSize(u.done)} of ${formatSize(u.total)}`,
      ),
      ...s.errors.map((e) => `         error ${e.name}: ${e.error}`),
      `vault    ${formatSize(status.vault.used_bytes)} used of ${formatSize(status.vault.donated_bytes)} donated (${status.vault.chunks} chunks)`,
      `network  ${status.peers} peers; ${status.network.repairs} repairs`,
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
  },
}
