// `peerdrive account create|login|logout|passwd`: opens, closes and re-keys
// the account on the running node, through its API.
import { callApi, findEndpoint } from '../core/api/index.ts'
import type { AccountStatus } from '../core/api/index.ts'
import { defaultHome } from '../core/paths.ts'
import type { Command, OptionValues } from './command.ts'
import { intOption } from './command.ts'
import { readCredentials, readNewPassword } from './credentials-input.ts'

/** Key derivation, the network lookup and opening the drive (or flushing it) take a while. */
const ACCOUNT_CALL = { timeoutMs: 180_000 }

const nodeOptions = { 'api-port': { type: 'string' }, json: { type: 'boolean' } } as const

async function endpoint(values: OptionValues) {
  const port = values['api-port'] === undefined ? undefined : intOption(values, 'api-port', 0, 1)
  return findEndpoint(defaultHome(), port)
}

function report(values: OptionValues, status: AccountStatus, line: string): void {
  process.stdout.write(values.json === true ? `${JSON.stringify(status)}\n` : `${line}\n`)
}

export const accountCommands: Command[] = [
  {
    path: ['account', 'create'],
    usage: 'account create [--remember] [--api-port <port>] [--json]',
    positionals: 0,
    options: { ...nodeOptions, remember: { type: 'boolean' } },
    async run(values) {
      const api = await endpoint(values)
      const creds = await readCredentials()
      const status = await callApi(
        api,
        'account-create',
        { ...creds, remember: values.remember === true },
        ACCOUNT_CALL,
      )
      report(values, status, `Account ${status.account_id} created; its drive is open.`)
    },
  },
  {
    path: ['account', 'login'],
    usage: 'account login [--remember] [--api-port <port>] [--json]',
    positionals: 0,
    options: { ...nodeOptions, remember: { type: 'boolean' } },
    async run(values) {
      const api = await endpoint(values)
      const creds = await readCredentials()
      const status = await callApi(
        api,
        'account-login',
        { ...creds, remember: values.remember === true },
        ACCOUNT_CALL,
      )
      report(values, status, `Logged in to account ${status.account_id}; its drive is open.`)
    },
  },
  {
    path: ['account', 'logout'],
    usage: 'account logout [--force] [--api-port <port>] [--json]',
    positionals: 0,
    options: { ...nodeOptions, force: { type: 'boolean' } },
    async run(values) {
      const status = await callApi(
        await endpoint(values),
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
      const api = await endpoint(values)
      const creds = await readCredentials()
      const newPassword = await readNewPassword()
      const status = await callApi(
        api,
        'account-passwd',
        { ...creds, new_password: newPassword },
        ACCOUNT_CALL,
      )
      report(values, status, 'Password changed: the old one no longer opens the account.')
    },
  },
]
