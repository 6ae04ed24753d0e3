// `peerdrive net put|get|audit`: a client that joins a network through a
// bootstrap vault, without a vault of its own.
import { stat } from 'node:fs/promises'
import { UsageError } from '../core/errors.ts'
import { connectClient } from '../core/net/client.ts'
import type { NetworkClient } from '../core/net/client.ts'
import { auditNetwork } from '../core/replication/network-audit.ts'
import { SelfEncryptor, decodeHandle, encodeHandle } from '../core/selfenc/index.ts'
import type { Command, OptionValues } from './command.ts'
import { listOption, printFigures, stringOption } from './command.ts'

async function withClient<T>(values: OptionValues, work: (client: NetworkClient) => Promise<T>): Promise<T> {
  const client = await connectClient({ bootstrap: listOption(values, 'bootstrap') })
  try {
    return await work(client)
  } finally {
    await client.stop()
  }
}

const bootstrap = { type: 'string', multiple: true } as const

export const netCommands: Command[] = [
  {
    path: ['net', 'put'],
    usage: 'net put <file> --bootstrap <multiaddr>',
    positionals: 1,
    options: { bootstrap },
    async run(values, [file]) {
      const s = await stat(file!).catch(() => undefined)
      if (!s?.isFile()) throw new UsageError(`no such file: ${file}`)
      const handle = await withClient(values, async (client) => {
        const enc = new SelfEncryptor()
        try {
          const map = await enc.encryptFile(file!, client.store)
          if (client.store.degraded > 0) {
            process.stderr.write(
              `peerdrive: stored degraded: ${client.store.degraded} chunks have fewer than ${client.store.replicas} copies; the vaults will repair them\n`,
            )
          }
          return encodeHandle(map)
        } finally {
          await enc.close()
        }
      })
      process.stdout.write(`${handle}\n`)
    },
  },
  {
    path: ['net', 'get'],
    usage: 'net get <handle> --bootstrap <multiaddr> --out <file>',
    positionals: 1,
    options: { bootstrap, out: { type: 'string' } },
    async run(values, [handle]) {
      const out = stringOption(values, 'out')
      if (!out)
        throw new UsageError(
          '--out is required; usage: peerdrive net get <handle> --bootstrap <multiaddr> --out <file>',
        )
      const map = decodeHandle(handle!)
      await withClient(values, async (client) => {
        const enc = new SelfEncryptor()
        try {
          await enc.decryptToFile(map, client.store, out)
        } finally {
          await enc.close()
        }
      })
    },
  },
  {
    path: ['net', 'audit'],
    usage: 'net audit --bootstrap <multiaddr> [--json]',
    positionals: 0,
    options: { bootstrap, json: { type: 'boolean' } },
    async run(values) {
      const report = await withClient(values, (client) =>
        auditNetwork(client.peers.list(), client.ask, client.store.replicas),
      )
      printFigures({ ...report }, values.json === true)
    },
  },
]
