// Every command of the `peerdrive` CLI, in the order help lists them.
import type { Command } from './command.ts'
import { accountCommands } from './account.ts'
import { walletCommands } from './wallet.ts'
import { benchCommands } from './bench.ts'
import { localCommands } from './local.ts'
import { netCommands } from './net.ts'
import { nodeCommand } from './node.ts'
import { startCommand } from './start.ts'
import { statusCommand } from './status.ts'
import { upCommand } from './up.ts'
import { testnetCommand } from './testnet.ts'
import { simCommand } from './sim.ts'

export const commands: Command[] = [
  startCommand,
  upCommand,
  statusCommand,
  ...accountCommands,
  ...walletCommands,
  ...localCommands,
  nodeCommand,
  testnetCommand,
  ...netCommands,
  ...benchCommands,
  simCommand,
]
