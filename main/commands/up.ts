// `peerdrive up`: a vault node with the account's drive mounted, until SIGINT/SIGTERM
// (then it flushes and unmounts). The drive opens when an account does: with
// --login or --create here, a remembered account, or peerdrive account login. With no bootstrap peers it first starts a
// local network of vault processes so the drive works alone, and says so.
import { resolve } from 'node:path'
import { ensureDashboardBuilt } from '../build/dashboard.ts'
import { UsageError } from '../core/errors.ts'
import { DriveNode } from '../core/node/index.ts'
import { defaultHome, defaultVaultDir } from '../core/paths.ts'
import { formatSize, parseSize } from '../core/size.ts'
import { keepNewFilesPrivate } from '../core/home.ts'
import { desktopListen } from '../core/net/host.ts'
import type { Command } from './command.ts'
import { intOption, listOption, stringOption, untilSignal } from './command.ts'
import { idWorkOption } from './id-work-option.ts'
import { readCredentials } from './credentials-input.ts'
import { LOCAL_STORAGE_EARN, peersOrLocalNetwork, say } from './local-network.ts'

/** Resolves when the launcher that opened an IPC channel to this process (npm start) is gone. */
function launcherGone(): Promise<void> {
  return new Promise((resolve) => {
    if (process.channel) process.once('disconnect', () => resolve())
  })
}

export const upCommand: Command = {
  path: ['up'],
  usage:
    'up --vault <dir> --mount <dir> [--donate <size>] [--bootstrap <multiaddr>…] [--local-nodes <N>] [--listen <multiaddr>… | --loopback] [--api-port <port>] [--login | --create] [--remember] [--dashboard] [--free-storage] [--id-work <bits>]',
  positionals: 0,
  options: {
    vault: { type: 'string' },
    mount: { type: 'string' },
    donate: { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    'local-nodes': { type: 'string' },
    listen: { type: 'string', multiple: true },
    loopback: { type: 'boolean' },
    'api-port': { type: 'string' },
    'journal-limit': { type: 'string' },
    login: { type: 'boolean' },
    create: { type: 'boolean' },
    remember: { type: 'boolean' },
    dashboard: { type: 'boolean' },
    'free-storage': { type: 'boolean' },
    'id-work': { type: 'string' },
  },
  async run(values) {
    keepNewFilesPrivate()
    const stopped = Promise.race([untilSignal(), launcherGone()])
    const mount = stringOption(values, 'mount')
    if (!mount)
      throw new UsageError('--mount <dir> is required; usage: peerdrive up --vault <dir> --mount <dir>')
    const donate = stringOption(values, 'donate')
    const journal = stringOption(values, 'journal-limit')
    if (values.login === true && values.create === true)
      throw new UsageError('--login and --create exclude each other')
    // asked before anything starts, so the prompts are not mixed with the node's lines
    const credentials = values.login === true || values.create === true ? await readCredentials() : undefined
    const home = defaultHome()
    // a network whose vaults keep chunks without tickets; every other is paid for
    const freeStorage = values['free-storage'] === true
    const { bootstrap, local } = await peersOrLocalNetwork(listOption(values, 'bootstrap'), {
      nodes: intOption(values, 'local-nodes', 8),
      donate: '2GiB',
      auditMs: 10_000,
      freeStorage,
    })
    const listen = listOption(values, 'listen')
    let node: DriveNode
    try {
      node = await DriveNode.start({
        vaultDir: resolve(stringOption(values, 'vault') ?? defaultVaultDir()),
        capacity: donate === undefined ? undefined : parseSize(donate),
        bootstrap,
        listen: listen.length ? listen : desktopListen(bootstrap, values.loopback === true),
        home,
        mount: resolve(mount),
        // the network's vaults keep only chunks paid for; this node's account pays for its drive
        paidStorage: !freeStorage,
        // a network of strangers prices a vault's place with work on its id; the user's own asks none
        idWorkBits: local ? 0 : idWorkOption(values),
        // on its own local network this vault prices storage as the local vaults do: every backed
        // hour earns the whole share, whatever the vault holds (they are all the user's own)
        ...(local
          ? { farming: { storagePrices: { earnBytes: parseSize(LOCAL_STORAGE_EARN), heldShare: null } } }
          : {}),
        apiPort: values['api-port'] === undefined ? undefined : intOption(values, 'api-port', 0, 1),
        journalLimitBytes: journal === undefined ? undefined : parseSize(journal),
        dashboardDir: values.dashboard === true ? ensureDashboardBuilt() : undefined,
        log: (line) => process.stderr.write(`${line}\n`),
        onDriveEvent: (e) => {
          if (e.type === 'journal-full' || e.type === 'sync-error')
            process.stderr.write(`peerdrive: ${e.message}\n`)
        },
      })
    } catch (err) {
      await local?.stop()
      throw err
    }
    if (credentials) {
      const request = { ...credentials, remember: values.remember === true }
      try {
        await (values.create === true ? node.create(request) : node.login(request))
      } catch (err) {
        await node.stop()
        await local?.stop()
        throw err
      }
    }
    const s = node.status()
    const account = node.accountStatus()
    if (account.logged_in) {
      say(`Account ${account.account_id}${account.remembered ? ' (remembered on this device)' : ''} is open`)
      say(`Drive mounted at ${s.mount}`)
    } else {
      say('No account is open: run peerdrive account login (or account create) to mount your drive')
    }
    say(`Vault ${s.vault.dir}: donating ${formatSize(s.vault.donated_bytes)}; ${s.peers} vault peers`)
    say(`API on ${node.api.url} (peerdrive status talks to it)`)
    if (values.dashboard === true) say(`Dashboard: ${node.api.url}/#token=${node.api.token}`)
    say('Press Ctrl-C to stop; the drive is flushed and unmounted first.')
    await stopped
    say('Flushing and unmounting…')
    await node.stop()
    await local?.stop()
    process.exit(0)
  },
}
