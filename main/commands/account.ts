// `peerdrive account create|login|logout|passwd`: opens, closes and re-keys
// the account on the running node, through its API.
import { callApi } from '../core/api/index.ts'
import type { AccountStatus } from '../core/api/index.ts'
import type { Command, OptionValues } from './command.ts'
import { nodeEndpoint } from './command.ts'
import { readCredentials, readNewPassword } from './credentials-input.ts'

/** Key derivation, the network lookup and opening the drive (or flushing it) take a while. */
const ACCOUNT_CALL = { timeoutMs: 180_000 }

const nodeOptions = { 'api-port': { type: 'string' }, json: { type: 'boolean' } } as const

function report(values: OptionValues, status: AccountStatus, line: string): void {
  process.stdout.write(values.json === true ? `${JSON.stringify(status)}\n` : `${line}\n`)
}

/** `account create` and `account login`: credentials in, the account open on the node. */
function openCommand(
  verb: 'create' | 'login',
  command: 'account-create' | 'account-login',
  said: (id: string | null) => string,
): Command {
  return {
    path: ['account', verb],
    usage: `account ${verb} [--remember] [--api-port <port>] [--json]`,
    positionals: 0,
    options: { ...nodeOptions, remember: { type: 'boolean' } },
    async run(values) {
      const api = await nodeEndpoint(values)
      const creds = await readCredentials()
      const status = await callApi(
        api,
        command,
        { ...creds, remember: values.remember === true },
        ACCOUNT_CALL,
      )
      report(values, status, said(status.account_id))
    },
  }
}

export const accountCommands: Command[] = [
  openCommand('create', 'account-create', (id) => `Account ${id} created; its drive is open.`),
  openCommand('login', 'account-login', (id) => `Logged in to account ${id}; its drive is open.`),
  {
    path: ['account', 'logout'],
    usage: 'account logout [--force] [--api-port <port>] [--json]',
    positionals: 0,
    options: { ...nodeOptions, force: { type: 'boolean' } },
    async run(values) {
      const status = await callApi(
        await nodeEndpoint(values),
        'account-logout',
        { force: values.force === true },
        ACCOUNT_CALL,
      )
      report(values, status, 'Logged out: the drive is unmounted and the keys are wiped from this device.')
    },
  },
  {
    path: ['account', 'passwd'],
    usage: 'account passwd [--api-port <port>] [--json]',
    positionals: 0,
    options: nodeOptions,
    async run(values) {
      const api = await nodeEndpoint(values)
      const creds = await readCredentials()
      const newPassword = await readNewPassword()
      const status = await callApi(
        api,
        'account-passwd',
        { ...creds, new_password: newPassword },
        ACCOUNT_CALL,
      )
      report(
        values,
        status,
        'Password changed: every key rotated, and the old password opens nothing current.',
      )
    },
  },
  // last: the first command whose words match is the one run
  {
    path: ['account'],
    usage: 'account [--api-port <port>] [--json]',
    positionals: 0,
    options: nodeOptions,
    async run(values) {
      const status = await callApi(await nodeEndpoint(values), 'account-status', {})
      report(
        values,
        status,
        status.account_id
          ? `Account ${status.account_id} is open${status.remembered ? ' (remembered on this device)' : ''}.`
          : 'No account is open: peerdrive account create, or peerdrive account login.',
      )
    },
  },
]
