// `peerdrive node run`: vault nodes in this process, until SIGINT/SIGTERM.
// Prints one JSON line per vault when it listens ({"event":"ready",…}); with
// --events, one per lost peer too, with the wall-clock time it was noticed.
// With --with-parent it ends, promptly, when the process that started it is
// gone. Several --vault directories run several vaults here (what a large
// testnet does); with --with-parent, `kill <peerId>` on stdin ends one of them
// as a crash would, while the others keep running, and `stats` has each say
// how many connections it holds.
import { createInterface } from 'node:readline'
import { defaultVaultDir } from '../core/paths.ts'
import { parseSize } from '../core/size.ts'
import { keepNewFilesPrivate } from '../core/home.ts'
import { VaultGroup } from '../core/testnet/vault-group.ts'
import type { Command } from './command.ts'
import { intOption, listOption, stringOption, untilSignal, targetOption } from './command.ts'
import { idWorkOption } from './id-work-option.ts'
import { trimHeapWhileIdle } from './heap-trim.ts'
import { whenParentGone } from './parent-watch.ts'

/** After its parent is gone a vault gets this long to stop cleanly; then it just exits. */
const ORPHAN_STOP_MS = 5000

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

// The parent reads our events; once it is gone its pipe is too (EPIPE), which
// must not kill a vault that is stopping cleanly.
process.stdout.on('error', () => {})

/**
 * Lines on stdin from the process that started this one: `kill <peerId>` ends
 * one vault of this process (the others keep running); `stats` has every vault
 * print its connection count.
 */
function obeyControlLines(group: VaultGroup): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [word, peerId] = line.trim().split(/\s+/)
    if (word === 'stats') {
      for (const s of group.stats()) emit({ event: 'stats', ...s })
    } else if (word === 'kill' && peerId) {
      group.kill(peerId).then(
        (found) => emit({ event: found ? 'killed' : 'no-such-vault', peerId, at: Date.now() }),
        (err: unknown) => emit({ event: 'kill-failed', peerId, reason: String(err) }),
      )
    }
  })
}

export const nodeCommand: Command = {
  path: ['node', 'run'],
  usage:
    'node run [--vault <dir>…] [--donate <size>] [--bootstrap <multiaddr>…] [--listen <multiaddr>…] [--events] [--farming-target <p>] [--proof-ms <ms>] [--vouch-age-ms <ms>] [--free-storage] [--storage-earn <size>] [--id-work <bits>]',
  positionals: 0,
  options: {
    vault: { type: 'string', multiple: true },
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
    'vouch-age-ms': { type: 'string' },
    'free-storage': { type: 'boolean' },
    'storage-earn': { type: 'string' },
    'id-work': { type: 'string' },
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
    const earn = stringOption(values, 'storage-earn')
    const events = values.events === true
    const listen = listOption(values, 'listen')
    const vaults = listOption(values, 'vault')
    const group = new VaultGroup(
      {
        capacity: donate === undefined ? undefined : parseSize(donate),
        bootstrap: listOption(values, 'bootstrap'),
        listen: listen.length ? listen : undefined,
        mdns: values.mdns === true,
        benchmark: values.benchmark === true,
        // a network of bare clients (benchmarks) stores without tickets; every other is paid for
        paidStorage: values['free-storage'] !== true,
        // the work every vault's id carries on this network; a machine's own testnet asks none
        idWorkBits: idWorkOption(values),
        auditIntervalMs: intOption(values, 'audit-ms', 30_000, 100),
        heartbeatMs: intOption(values, 'heartbeat-ms', 2000, 200),
        farming: {
          target: targetOption(values, 'farming-target'),
          proofIntervalMs:
            values['proof-ms'] === undefined ? undefined : intOption(values, 'proof-ms', 60_000, 100),
          // how long a client must be known before this vault vouches for it; 0 on one machine's own network
          clientMinAgeMs:
            values['vouch-age-ms'] === undefined ? undefined : intOption(values, 'vouch-age-ms', 0, 0),
          // what a vault backing an account earns it an hour; a machine's own network can be generous
          storagePrices: earn === undefined ? undefined : { earnBytes: parseSize(earn) },
        },
        log: process.env.PEERDRIVE_DEBUG ? (line) => process.stderr.write(`${line}\n`) : undefined,
      },
      {
        ready: (node, vault) =>
          emit({
            event: 'ready',
            peerId: node.host.peerId.toString(),
            multiaddrs: node.multiaddrs(),
            pid: process.pid,
            vault,
          }),
        peerLost: events ? (vault, peer, at) => emit({ event: 'peer-lost', peer, at, vault }) : undefined,
      },
    )
    if (values['with-parent'] === true) obeyControlLines(group)
    await group.start(vaults.length ? vaults : [defaultVaultDir()])
    const stopTrimming = trimHeapWhileIdle()
    if (!orphaned) await Promise.race([untilSignal(), parentGone])
    stopTrimming()
    await group.stop()
    // libp2p leaves a short debounce timer behind after stop; nothing is left to flush
    process.exit(0)
  },
}
