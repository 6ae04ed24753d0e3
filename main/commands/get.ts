// `peerdrive get <pd1:address | pds1:link> [-o <file or folder>]`: public data
// by its address, or what a share link names now, fetched through the running
// node from wherever it is kept.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { callApi } from '../core/api/index.ts'
import { safeRelative } from '../core/apps/index.ts'
import { UsageError } from '../core/errors.ts'
import type { Command } from './command.ts'
import { nodeEndpoint, stringOption } from './command.ts'

export const getCommand: Command = {
  path: ['get'],
  usage: 'get <pd1:address | pds1:link> [-o <file>] [--api-port <port>]',
  positionals: 1,
  options: { out: { type: 'string', short: 'o' }, 'api-port': { type: 'string' } },
  async run(values, [address]) {
    if (!address?.startsWith('pd1:') && !address?.startsWith('pds1:'))
      throw new UsageError('<address> is a public address, pd1:…, or a share link, pds1:…')
    const data = await callApi(await nodeEndpoint(values), 'public-get', { address }, { timeoutMs: 300_000 })
    const out = stringOption(values, 'out')
    if (data.kind === 'file') {
      const bytes = Buffer.from(data.files[0]?.data ?? '', 'base64')
      if (out) {
        await writeFile(out, bytes)
        process.stderr.write(`${data.name}: ${bytes.length} bytes written to ${out}\n`)
      } else process.stdout.write(bytes)
      return
    }
    if (!out) {
      process.stdout.write(`folder ${data.name}, ${data.files.length} file(s); -o <folder> writes them:\n`)
      for (const f of data.files) process.stdout.write(`  ${f.path}  ${f.size}\n`)
      return
    }
    const root = resolve(out)
    for (const f of data.files) {
      // the index comes from a stranger: no path of it may leave the folder asked for
      if (!safeRelative(f.path) || f.path === '')
        throw new UsageError(`refusing the path "${f.path}" in ${address}`)
      const target = join(root, f.path)
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, Buffer.from(f.data, 'base64'))
    }
    process.stderr.write(`${data.name}: ${data.files.length} file(s) written under ${out}\n`)
  },
}
