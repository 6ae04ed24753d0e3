// `peerdrive start` (npm start): runs this user's vault node until Ctrl-C.
// With no bootstrap peers it first starts a local network of vault processes
// on this machine, so there is a network to join, and says so.
import { PeerDriveNode } from '../core/node/index.ts'
import { defaultVaultDir } from '../core/paths.ts'
import { formatSize, parseSize } from '../core/size.ts'
import { keepNewFilesPrivate } from '../core/home.ts'
import type { Command } from './command.ts'
import { intOption, listOption, stringOption, untilSignal } from './command.ts'
import { peersOrLocalNetwork, say } from './local-network.ts'

export const startCommand: Command = {
  path: ['start'],
  usage: 'start [--vault <dir>] [--donate <size>] [--bootstrap <multiaddr>…] [--local-nodes <N>]',
  positionals: 0,
  options: {
    vault: { type: 'string' },
    donate: { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    'local-nodes': { type: 'string' },
  },
  async run(values) {
    keepNewFilesPrivate()
    const stopped = untilSignal()
    const donate = stringOption(values, 'donate')
    const capacity = donate === undefined ? undefined : parseSize(donate)
    let bootstrap = listOption(values, 'bootstrap')
    if (bootstrap.length === 0 && process.env.PEERDRIVE_BOOTSTRAP) {
      bootstrap = process.env.PEERDRIVE_BOOTSTRAP.split(/[\s,]+/).filter(Boolean)
    }
    say('PeerDrive: the desktop window is not part of this build; running the node headless.')
    const joined = await peersOrLocalNetwork(bootstrap, {
      nodes: intOption(values, 'local-nodes', 7),
      donate: '1GiB',
    })
    const local = joined.local
    bootstrap = joined.bootstrap
    const vaultDir = stringOption(values, 'vault') ?? defaultVaultDir()
    const node = await PeerDriveNode.start({ vaultDir, capacity, bootstrap, paidStorage: true })
    const m = node.metrics()
    say(
      `Vault ${vaultDir}: donating ${formatSize(m.capacity)}, holding ${formatSize(m.bytes)} in ${m.chunks} chunks.`,
    )
    say(`Listening on ${node.multiaddrs().join(', ')}`)
    node.peers.onJoined(() => say(`peers: ${node.peers.size}`))
    node.peers.onLost((peer) =>
      say(`lost vault ${peer.key}; repairing its chunks (peers: ${node.peers.size})`),
    )
    say('Press Ctrl-C to stop.')
    await stopped
    say('Stopping…')
    await node.stop()
    await local?.stop()
    process.exit(0)
  },
}
