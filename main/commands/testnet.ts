// `peerdrive testnet`: N vault nodes on loopback, K to an OS process.
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { Testnet } from '../core/testnet/testnet.ts'
import { parseSize } from '../core/size.ts'
import { UsageError } from '../core/errors.ts'
import { keepNewFilesPrivate } from '../core/home.ts'
import type { Command } from './command.ts'
import { intOption, stringOption, untilSignal, targetOption } from './command.ts'

/**
 * `kill <peerId>` lines on this command's stdin end that one vault as a crash
 * would, even when it shares its process with others (whose pid, in
 * testnet.json, a SIGKILL would end all at once).
 */
function obeyKillLines(net: Testnet): () => void {
  const lines = createInterface({ input: process.stdin })
  lines.on('line', (line) => {
    const [word, peerId] = line.trim().split(/\s+/)
    if (word !== 'kill' || !peerId) return
    const node = net.live().find((n) => n.peerId === peerId)
    if (!node) {
      process.stderr.write(`no running vault ${peerId}\n`)
      return
    }
    node.kill('SIGKILL')
    process.stdout.write(`killed ${peerId}\n`)
  })
  // an open stdin would keep this process alive after the testnet stopped
  return () => {
    lines.close()
    process.stdin.destroy()
  }
}

export const testnetCommand: Command = {
  path: ['testnet'],
  usage:
    'testnet --nodes <N> --dir <dir> [--per-process <K>] [--donate <size>] [--farming-target <p>] [--proof-ms <ms>] [--vouch-age-ms <ms>] [--free-storage]',
  positionals: 0,
  options: {
    nodes: { type: 'string' },
    dir: { type: 'string' },
    'per-process': { type: 'string' },
    donate: { type: 'string' },
    'audit-ms': { type: 'string' },
    'farming-target': { type: 'string' },
    'proof-ms': { type: 'string' },
    'vouch-age-ms': { type: 'string' },
    'free-storage': { type: 'boolean' },
  },
  async run(values) {
    keepNewFilesPrivate()
    const dir = stringOption(values, 'dir')
    if (!dir) throw new UsageError('--dir is required; usage: peerdrive testnet --nodes <N> --dir <dir>')
    const donate = stringOption(values, 'donate')
    if (donate !== undefined) parseSize(donate)
    const stopped = untilSignal()
    const nodes = intOption(values, 'nodes', 4)
    let shown = 0
    const net = await Testnet.start({
      nodes,
      dir: resolve(dir),
      perProcess: values['per-process'] === undefined ? undefined : intOption(values, 'per-process', 1),
      donate,
      auditMs: intOption(values, 'audit-ms', 5000, 100),
      farmingTarget: targetOption(values, 'farming-target'),
      proofMs: values['proof-ms'] === undefined ? undefined : intOption(values, 'proof-ms', 60_000, 100),
      // a testnet's vaults all start now: a day before any vouches for a client would mean no coin for a day
      vouchAgeMs: values['vouch-age-ms'] === undefined ? 0 : intOption(values, 'vouch-age-ms', 0, 0),
      freeStorage: values['free-storage'] === true,
      // about twenty progress lines, however large the network
      onProgress: (started, total) => {
        if (started === total || started - shown >= Math.max(1, Math.ceil(total / 20))) {
          shown = started
          process.stderr.write(`started ${started}/${total}\n`)
        }
      },
    })
    const processes = new Set(net.nodes.map((n) => n.pid)).size
    process.stdout.write(
      `testnet of ${net.nodes.length} nodes in ${processes} processes running; ${resolve(dir, 'testnet.json')}\n`,
    )
    process.stdout.write(`bootstrap: ${net.bootstrap[0]}\n`)
    const stopListening = obeyKillLines(net)
    await stopped
    await net.stop()
    stopListening()
  },
}
