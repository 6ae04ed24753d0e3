// `peerdrive testnet`: N vault nodes as separate processes on loopback.
import { resolve } from 'node:path'
import { Testnet } from '../core/testnet/testnet.ts'
import { parseSize } from '../core/size.ts'
import { UsageError } from '../core/errors.ts'
import { keepNewFilesPrivate } from '../core/home.ts'
import type { Command } from './command.ts'
import { intOption, stringOption, untilSignal, targetOption } from './command.ts'

export const testnetCommand: Command = {
  path: ['testnet'],
  usage: 'testnet --nodes <N> --dir <dir> [--donate <size>] [--farming-target <p>] [--proof-ms <ms>]',
  positionals: 0,
  options: {
    nodes: { type: 'string' },
    dir: { type: 'string' },
    donate: { type: 'string' },
    'audit-ms': { type: 'string' },
    'farming-target': { type: 'string' },
    'proof-ms': { type: 'string' },
  },
  async run(values) {
    keepNewFilesPrivate()
    const dir = stringOption(values, 'dir')
    if (!dir) throw new UsageError('--dir is required; usage: peerdrive testnet --nodes <N> --dir <dir>')
    const donate = stringOption(values, 'donate')
    if (donate !== undefined) parseSize(donate)
    const stopped = untilSignal()
    const net = await Testnet.start({
      nodes: intOption(values, 'nodes', 4),
      dir: resolve(dir),
      donate,
      auditMs: intOption(values, 'audit-ms', 5000, 100),
      farmingTarget: targetOption(values, 'farming-target'),
      proofMs: values['proof-ms'] === undefined ? undefined : intOption(values, 'proof-ms', 60_000, 100),
    })
    process.stdout.write(`testnet of ${net.nodes.length} nodes running; ${resolve(dir, 'testnet.json')}\n`)
    process.stdout.write(`bootstrap: ${net.bootstrap[0]}\n`)
    await stopped
    await net.stop()
  },
}
