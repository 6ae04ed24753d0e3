// `peerdrive wallet balance|send|history`: the running node's wallet, through its API.
import { callApi } from '../core/api/index.ts'
import { UsageError } from '../core/errors.ts'
import type { Command } from './command.ts'
import { nodeEndpoint } from './command.ts'

const apiPort = { 'api-port': { type: 'string' } } as const
const json = { type: 'boolean' } as const

export const walletCommands: Command[] = [
  {
    path: ['wallet', 'balance'],
    usage: 'wallet balance [--json] [--api-port <port>]',
    positionals: 0,
    options: { ...apiPort, json },
    async run(values) {
      const b = await callApi(await nodeEndpoint(values), 'wallet-balance', {})
      process.stdout.write(
        values.json === true
          ? `${JSON.stringify(b)}\n`
          : `coins         ${b.coins}\npending       ${b.pending}\nearned today  ${b.earned_today}\nwallet        ${b.wallet_id}\n`,
      )
    },
  },
  {
    path: ['wallet', 'send'],
    usage: 'wallet send <coins> <wallet-id> [--api-port <port>]',
    positionals: 2,
    options: apiPort,
    async run(values, [coins, to]) {
      const n = Number(coins)
      if (!Number.isSafeInteger(n) || n < 1)
        throw new UsageError(`<coins> is a whole number ≥ 1, got "${coins}"`)
      if (!/^[0-9a-f]{64}$/.test(to!))
        throw new UsageError('<wallet-id> is 64 hex digits (peerdrive wallet balance shows one)')
      const { sent } = await callApi(
        await nodeEndpoint(values),
        'wallet-send',
        { coins: n, to: to! },
        { timeoutMs: 120_000 },
      )
      process.stdout.write(`Sent ${sent} coin(s) to ${to}.\n`)
    },
  },
  {
    path: ['wallet', 'buy-storage'],
    usage: 'wallet buy-storage <coins> [--api-port <port>]',
    positionals: 1,
    options: apiPort,
    async run(values, [coins]) {
      const n = Number(coins)
      if (!Number.isSafeInteger(n) || n < 1 || n > 1000)
        throw new UsageError(`<coins> is a whole number from 1 to 1000, got "${coins}"`)
      const endpoint = await nodeEndpoint(values)
      const { bought } = await callApi(endpoint, 'storage-buy', { coins: n }, { timeoutMs: 300_000 })
      process.stdout.write(
        `Spent ${bought} coin(s) on this account's storage; \`peerdrive status\` shows the allowance.\n`,
      )
    },
  },
  {
    path: ['wallet', 'history'],
    usage: 'wallet history [--json] [--api-port <port>]',
    positionals: 0,
    options: { ...apiPort, json },
    async run(values) {
      const h = await callApi(await nodeEndpoint(values), 'wallet-history', {})
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(h)}\n`)
        return
      }
      const lines = h.entries.map(
        (e) =>
          `${new Date(e.at).toISOString()}  ${e.kind.padEnd(8)}  ${e.coin_id.slice(0, 16)}${e.peer ? `  ${e.peer}` : ''}`,
      )
      process.stdout.write(lines.length ? `${lines.join('\n')}\n` : 'no coin yet\n')
    },
  },
]
