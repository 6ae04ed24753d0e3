// The `peerdrive` command: parses the command line, runs one command, and
// turns every failure into one line on stderr and a non-zero exit.
import { parseArgs } from 'node:util'
import { PeerDriveError, UsageError } from './core/errors.ts'
import type { OptionValues } from './commands/command.ts'
import { findCommand } from './commands/index.ts'

const USAGE = `usage: peerdrive <command> [options]

commands:
  start [--bootstrap <multiaddr>…] [--donate <size>]
                                  run this user's vault node (what npm start runs)
  up --mount <dir> [--vault <dir>] [--donate <size>] [--bootstrap <multiaddr>…] [--login | --create]
     [--dashboard]                run a vault node with the account's drive mounted, until Ctrl-C;
                                  --dashboard serves the dashboard on loopback and prints its address
  status [--json]                 how the running node is doing
  versions <path> [--json]        a file's kept versions, newest first (also a deleted file's)
  restore <path> [--version <n> | --at <time>]
                                  make a kept version the file's content again
  keep <path>                     keep a file or folder on this device (it opens with the network gone)
  free <path>                     make it online only again and free its space in the local cache
  share <path> [--expires <7d>]   share a file or folder read-only by a link that follows its changes
  share <path> --with <account>  send it read-only to another account's "Shared with me/"
  unshare <path|link|id>          revoke a share: the link reads nothing written after it
  shares [--json]                 this account's share links and their state
  shared [--json]                 what others shared with you, under "Shared with me/" in the drive
  shared add <link>               open a share link read-only into "Shared with me/"
  shared remove <name|link>       take a share out of "Shared with me/"
  account                         the open account's id (what others send shares to)
  account create|login [--remember]
  account logout [--force]
  account passwd                  open, close or re-key the account on the running node; credentials
                                  from PEERDRIVE_KEYWORD, PEERDRIVE_PIN, PEERDRIVE_PASSWORD
                                  (PEERDRIVE_NEW_PASSWORD) or asked for on the terminal
  wallet balance [--json]         coins owned, pending and earned today by this node's wallet
  wallet send <coins> <wallet-id> move coins to another wallet
  wallet history [--json]         minted, sent and received coins
  apps [list] [--json]            apps that asked for access, and what each was granted
  apps grant <id> [--folder <path>…] | apps deny <id> | apps revoke <id> | apps log <id>
                                  answer an app's request, take its access away, or read its log
  get <pd1:address|pds1:link> [-o <file>]
                                  fetch public data, or what a share link names (a folder needs -o <folder>)
  local put <file> --vault <dir> [--donate <size>]
                                  self-encrypt a file into a local vault; prints its handle
  local get <handle> --vault <dir> --out <file>
                                  write a file back from its handle
  node run [--vault <dir>…] [--donate <size>] [--bootstrap <multiaddr>…] [--listen <multiaddr>…] [--mdns]
                                  run vault nodes (one per --vault) until Ctrl-C
  testnet --nodes <N> --dir <dir> [--per-process <K>] [--donate <size>]
                                  N vaults on 127.0.0.1, K to a process; writes <dir>/testnet.json
  net put <file> --bootstrap <multiaddr>
  net get <handle> --bootstrap <multiaddr> --out <file>
  net audit --bootstrap <multiaddr> [--json]
                                  store, fetch and count copies in a network
  bench selfenc [--size <MiB>] [--json]
  bench vault [--json]
  bench net [--nodes <N>] [--json]
  bench account [--json]
  bench farm [--nodes <N>] [--json]
  bench scale [--nodes <N,N,…>] [--per-process <K>] [--json]
  bench all [--json]              figures against baselines measured in the same run

sizes: 10GB (decimal), 500MiB (binary) or a number of bytes`

async function main(argv: string[]): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('-'))
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const command = await findCommand(words)
  if (!command) throw new UsageError(`unknown command "${words.slice(0, 2).join(' ')}"; see peerdrive help`)
  const rest = argv.slice()
  for (const word of command.path) rest.splice(rest.indexOf(word), 1)
  let parsed
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; usage: peerdrive ${command.usage}`)
  }
  if (parsed.positionals.length !== command.positionals) {
    throw new UsageError(`usage: peerdrive ${command.usage}`)
  }
  // parseArgs types values as (string | boolean)[] for multiples; options never mix the two
  await command.run(parsed.values as OptionValues, parsed.positionals)
}

/** One line for the user; a stack only when asked for with PEERDRIVE_DEBUG=1. */
function explain(err: unknown): string {
  if (err instanceof PeerDriveError) return err.message
  const e = err as NodeJS.ErrnoException
  if (e && typeof e.code === 'string' && e.syscall) {
    const what: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'not a directory',
      ENOSPC: 'no space left on the disk',
    }
    return `${e.path ?? e.syscall}: ${what[e.code] ?? e.code}`
  }
  return `unexpected error: ${describe(err)} (run with PEERDRIVE_DEBUG=1 for details)`
}

/**
 * What was thrown, in words, also when it is no Error: libraries reject with
 * events and plain objects, whose String() is only "[object Event]".
 */
function describe(value: unknown): string {
  if (value instanceof Error) return value.message || value.name
  if (value instanceof Event) {
    const inner = (value as Event & { error?: unknown }).error
    const why = inner instanceof Error ? `: ${inner.message}` : ' with no error given'
    return `${value.constructor.name} '${value.type}' was thrown${why}`
  }
  if (typeof value === 'object' && value !== null) {
    const name = value.constructor?.name ?? 'object'
    let fields = ''
    try {
      fields = ` ${JSON.stringify(value).slice(0, 200)}`
    } catch {
      // a cyclic object: its name is all there is to say
    }
    return `${name} was thrown${fields}`
  }
  return String(value)
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode ??= 0
  },
  (err: unknown) => {
    if (process.env.PEERDRIVE_DEBUG) console.error(err)
    process.stderr.write(`peerdrive: ${explain(err)}\n`)
    process.exitCode = err instanceof UsageError ? 2 : 1
  },
)
