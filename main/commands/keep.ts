// `peerdrive keep <path>` and `peerdrive free <path>`: files on demand from the
// command line. keep holds a file or folder on this device (it then opens and
// edits with the network gone); free makes it online only and gives back
// the space its chunks took in the local cache.
import { callApi } from '../core/api/client.ts'
import { formatSize } from '../core/size.ts'
import type { Command } from './command.ts'
import { target } from './history.ts'

export const keepCommand: Command = {
  path: ['keep'],
  usage: 'keep <path> [--api-port <port>]',
  positionals: 1,
  options: { 'api-port': { type: 'string' } },
  async run(values, [input]) {
    const { endpoint, path } = await target(values, input!)
    const r = await callApi(endpoint, 'files-keep', { path })
    process.stdout.write(`kept on this device: ${r.path} (${r.files} file(s), ${formatSize(r.bytes)})\n`)
    if (r.missing > 0)
      process.stderr.write(
        `${r.missing} part(s) could not be fetched yet (is the network reachable?); the node keeps trying\n`,
      )
  },
}

export const freeCommand: Command = {
  path: ['free'],
  usage: 'free <path> [--api-port <port>]',
  positionals: 1,
  options: { 'api-port': { type: 'string' } },
  async run(values, [input]) {
    const { endpoint, path } = await target(values, input!)
    const r = await callApi(endpoint, 'files-free', { path })
    process.stdout.write(`online only: ${r.path}; ${formatSize(r.freed_bytes)} freed on this device\n`)
  },
}

export const keepCommands: Command[] = [keepCommand, freeCommand]
