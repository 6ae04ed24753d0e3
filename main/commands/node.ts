// `peerdrive node run`: one vault node in this process, until SIGINT/SIGTERM.
// Prints one JSON line when listening ({"event":"ready",…}); with --events,
// one per lost peer too, with the wall-clock time it was noticed. With
// --with-parent it ends, promptly, when the process that started it is gone.
import { PeerDriveNode } from '../core/node/index.ts'
import { defaultVaultDir } from '../core/paths.ts'
import { parseSize } from '../core/size.ts'
import { keepNewFilesPrivate } from '../core/home.ts'
import type { Command } from './command.ts'
import { intOption, listOption, stringOption, untilSignal, targetOption } from './command.ts'
import { whenParentGone } from './parent-watch.ts'

/** After its parent is gone a vault gets this long to stop cleanly; then it just exits. */
const ORPHAN_STOP_MS = 5000

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

// The parent reads our events; once it is gone its pipe is too (EPIPE), which
// must not kill a vault that is stopping cleanly.
process.stdout.on('error', () => {})

export const nodeCommand: Command = {
  path: ['node', 'run'],
  usage:
    'node run [--vault <dir>] [--donate <size>] [--bootstrap <multiaddr>…] [--listen <multiaddr>…] [--events] [--farming-target <p>] [--proof-ms <ms>]',
  positionals: 0,
  options: {
    vault: { type: 'string' },
    donate: { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    listen: { type: 'string', multiple: true },
    mdns: { type: 'boolean' },
    events: { type: 'boolean' },
    benchmark: { type: 'boolean' },
    'with-parent': { type: 'boolean' },
    'audit-ms': { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    'farming-target': { type: 'string' },
    'proof-ms': { type: 'string' },
  },
  async run(values) {
    keepNewFilesPrivate()
    // watched from the start: a parent that dies while this node is starting must end it too
    const parentGone = values['with-parent'] === true ? whenParentGone() : new Promise<never>(() => {})
    let orphaned = false
    void parentGone.then(() => {
      orphaned = true
      // nobody is left to wait for a clean stop, and a stop stuck on peers that
      // are ending too must not keep this process alive
      setTimeout(() => process.exit(0), ORPHAN_STOP_MS).unref()
    })
    const donate = stringOption(values, 'donate')
    const events = values.events === true
    const listen = listOption(values, 'listen')
    const node = await PeerDriveNode.start({
      vaultDir: stringOption(values, 'vault') ?? defaultVaultDir(),
      capacity: donate === undefined ? undefined : parseSize(donate),
      bootstrap: listOption(values, 'bootstrap'),
      listen: listen.length ? listen : undefined,
      mdns: values.mdns === true,
      benchmark: values.benchmark === true,
      auditIntervalMs: intOption(values, 'audit-ms', 30_000, 100),
      heartbeatMs: intOption(values, 'heartbeat-ms', 2000, 200),
      farming: {
        target: targetOption(values, 'farming-target'),
        proofIntervalMs:
          values['proof-ms'] === undefined ? undefined : intOption(values, 'proof-ms', 60_000, 100),
      },
      onPeerLost: events ? (peer, at) => emit({ event: 'peer-lost', peer: peer.key, at }) : undefined,
      log: process.env.PEERDRIVE_DEBUG ? (line) => process.stderr.write(`${line}\n`) : undefined,
    })
    emit({
      event: 'ready',
      peerId: node.host.peerId.toString(),
      multiaddrs: node.multiaddrs(),
      pid: process.pid,
    })
    if (!orphaned) await Promise.race([untilSignal(), parentGone])
    await node.stop()
    // libp2p leaves a short debounce timer behind after stop; nothing is left to flush
    process.exit(0)
  },
}
