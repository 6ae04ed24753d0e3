// Every command of the `peerdrive` CLI, in the order help lists them.
import type { Command } from './command.ts'
import { benchCommands } from './bench.ts'
import { localCommands } from './local.ts'
import { startCommand } from './start.ts'

export const commands: Command[] = [startCommand, ...localCommands, ...benchCommands]
