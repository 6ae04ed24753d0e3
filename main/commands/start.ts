// `peerdrive start` (npm start): opens this user's vault and reports what it holds.
import { defaultVaultDir } from '../core/paths.ts'
import { formatSize } from '../core/size.ts'
import { Vault } from '../core/vault/index.ts'
import type { Command } from './command.ts'
import { stringOption } from './command.ts'

export const startCommand: Command = {
  path: ['start'],
  usage: 'start [--vault <dir>]',
  positionals: 0,
  options: { vault: { type: 'string' } },
  async run(values) {
    const dir = stringOption(values, 'vault') ?? defaultVaultDir()
    const vault = await Vault.open(dir, {})
    try {
      const s = vault.stats()
      process.stdout.write(
        `PeerDrive vault at ${dir}\n` +
          `  donated  ${formatSize(s.capacity)}\n` +
          `  used     ${formatSize(s.used)} in ${s.chunks} chunks\n` +
          'This build stores files in the local vault only: peerdrive local put <file> --vault <dir>\n',
      )
    } finally {
      vault.close()
    }
  },
}
