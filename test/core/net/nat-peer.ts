// A bare PeerDrive host for the NAT test, run inside a home namespace: it joins
// through the given bootstrap addresses, says its peer id and addresses as
// JSON lines on stdout, dials what it is told on stdin ("dial <multiaddr>"),
// and reports its connections ({ peer, addr, relayed }) every second.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createInterface } from 'node:readline'
import { createHost } from '../../../main/core/net/host.ts'

const [listen, ...bootstrap] = process.argv.slice(2)
const host = await createHost({
  privateKey: await generateKeyPair('Ed25519'),
  listen: listen!.split(','),
  bootstrap,
  upnp: false,
})
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)
say({ event: 'ready', peerId: host.peerId.toString() })
createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, addr] = line.trim().split(/\s+/)
  if (verb !== 'dial' || !addr) return
  host
    .dial(multiaddr(addr), { signal: AbortSignal.timeout(30_000) })
    .then((c) => say({ event: 'dialed', addr: c.remoteAddr.toString() }))
    .catch((err: Error) => say({ event: 'dial-failed', error: err.message }))
})
// the parent holds stdin: when it goes, so does this process
process.stdin.on('end', () => {
  void Promise.resolve(host.stop()).finally(() => process.exit(0))
})
setInterval(() => {
  say({
    event: 'state',
    addresses: host.getMultiaddrs().map(String),
    connections: host.getConnections().map((c) => ({
      peer: c.remotePeer.toString(),
      addr: c.remoteAddr.toString(),
      relayed: c.remoteAddr.getComponents().some((p) => p.name === 'p2p-circuit'),
    })),
  })
}, 1000)
