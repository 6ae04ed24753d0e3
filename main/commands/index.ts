// Every command of the `peerdrive` CLI, in the order help lists them. Each
// module is imported only when one of its commands runs: a vault process
// (`node run`) should not carry FUSE, the API server or the benchmarks.
import type { Command } from './command.ts'

export interface CommandModule {
  /** The words of each command the module defines. */
  paths: string[][]
  load(): Promise<Command[]>
}

const one = (c: Command): Command[] => [c]

export const commandModules: CommandModule[] = [
  { paths: [['start']], load: () => import('./start.ts').then((m) => one(m.startCommand)) },
  { paths: [['up']], load: () => import('./up.ts').then((m) => one(m.upCommand)) },
  { paths: [['status']], load: () => import('./status.ts').then((m) => one(m.statusCommand)) },
  {
    paths: [['versions'], ['restore']],
    load: () => import('./history.ts').then((m) => m.historyCommands),
  },
  {
    paths: [['share'], ['unshare'], ['shares'], ['shared', 'add'], ['shared', 'remove'], ['shared']],
    load: () => import('./share.ts').then((m) => m.shareCommands),
  },
  {
    paths: [['keep'], ['free']],
    load: () => import('./keep.ts').then((m) => m.keepCommands),
  },
  {
    paths: [
      ['account', 'create'],
      ['account', 'login'],
      ['account', 'logout'],
      ['account', 'passwd'],
      ['account'],
    ],
    load: () => import('./account.ts').then((m) => m.accountCommands),
  },
  {
    paths: [
      ['wallet', 'balance'],
      ['wallet', 'send'],
      ['wallet', 'buy-storage'],
      ['wallet', 'history'],
    ],
    load: () => import('./wallet.ts').then((m) => m.walletCommands),
  },
  {
    paths: [
      ['local', 'put'],
      ['local', 'get'],
    ],
    load: () => import('./local.ts').then((m) => m.localCommands),
  },
  {
    paths: [
      ['apps', 'list'],
      ['apps', 'grant'],
      ['apps', 'deny'],
      ['apps', 'revoke'],
      ['apps', 'log'],
      ['apps'],
    ],
    load: () => import('./apps.ts').then((m) => m.appsCommands),
  },
  { paths: [['get']], load: () => import('./get.ts').then((m) => one(m.getCommand)) },
  { paths: [['node', 'run']], load: () => import('./node.ts').then((m) => one(m.nodeCommand)) },
  { paths: [['testnet']], load: () => import('./testnet.ts').then((m) => one(m.testnetCommand)) },
  {
    paths: [
      ['net', 'put'],
      ['net', 'get'],
      ['net', 'audit'],
    ],
    load: () => import('./net.ts').then((m) => m.netCommands),
  },
  {
    paths: ['selfenc', 'vault', 'net', 'account', 'farm', 'fuse', 'memory', 'id-work', 'scale', 'all'].map(
      (b) => ['bench', b],
    ),
    load: () => import('./bench.ts').then((m) => m.benchCommands),
  },
  { paths: [['sim']], load: () => import('./sim.ts').then((m) => one(m.simCommand)) },
]

const matches = (path: string[], words: string[]): boolean => path.every((word, i) => words[i] === word)

/** The command the words name, its module loaded; undefined when none does. */
export async function findCommand(words: string[]): Promise<Command | undefined> {
  const mod = commandModules.find((m) => m.paths.some((p) => matches(p, words)))
  if (!mod) return undefined
  const loaded = await mod.load()
  return loaded.find((c) => matches(c.path, words))
}

/** Every command, all modules loaded: for checks that the table is whole. */
export async function allCommands(): Promise<Command[]> {
  return (await Promise.all(commandModules.map((m) => m.load()))).flat()
}
