// A bare PeerDrive host for the NAT test, run inside a home namespace: it joins
// through the given bootstrap addresses, says its peer id and addresses as
// JSON lines on stdout, dials what it is told on stdin ("dial <multiaddr>"),
// and reports every second its connections ({ peer, addr, relayed }), the
// addresses its transports listen on and the addresses peers observed it at.
// Each connection that opens or closes is reported as it happens, so a test
// can tell a relayed connection that was upgraded from one that never was.
//
// Arguments: <listen,listen,…> [--upnp] <bootstrap>…; --upnp asks the home
// router for port mappings, as the desktop node does by default, and meets the
// bootstrap peers only once the router mapped its ports: AutoNAT (v1) asks a
// peer to verify an address only when it connects to that peer, so a mapping
// made after the node met every peer of a small network would never be
// verified (in a large one, the next peer a random walk meets verifies it).
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createInterface } from 'node:readline'
import { createHost } from '../../../main/core/net/host.ts'

const [listen, ...rest] = process.argv.slice(2)
const upnp = rest.includes('--upnp')
const bootstrap = rest.filter((arg) => arg !== '--upnp')
const host = await createHost({
  privateKey: await generateKeyPair('Ed25519'),
  listen: listen!.split(','),
  bootstrap: upnp ? [] : bootstrap,
  upnp,
})
interface AddressInfo {
  multiaddr: Multiaddr
  verified: boolean
  type: string
}
// libp2p keeps these on its address manager, which its public API does not expose
const addresses = (
  host as unknown as {
    components: {
      addressManager: { getObservedAddrs(): Multiaddr[]; getAddressesWithMetadata(): AddressInfo[] }
      transportManager: { getAddrs(): Multiaddr[] }
    }
  }
).components
/** The router's port mappings of this node's listen addresses, as UPnP-NAT recorded them. */
const mapped = () =>
  addresses.addressManager.getAddressesWithMetadata().filter((a) => a.type === 'ip-mapping')
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)
const relayed = (ma: Multiaddr) => ma.getComponents().some((p) => p.name === 'p2p-circuit')
const describe = (c: Connection) => ({
  peer: c.remotePeer.toString(),
  addr: c.remoteAddr.toString(),
  relayed: relayed(c.remoteAddr),
  direction: c.direction,
})
say({ event: 'ready', peerId: host.peerId.toString() })
if (upnp) {
  const deadline = Date.now() + 60_000
  while (mapped().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
  say({ event: 'mapped', addresses: mapped().map((a) => a.multiaddr.toString()) })
  for (const addr of bootstrap)
    host.dial(multiaddr(addr), { signal: AbortSignal.timeout(30_000) }).catch((err: Error) => {
      say({ event: 'dial-failed', error: err.message })
    })
}
host.addEventListener('connection:open', (e) => say({ event: 'open', ...describe(e.detail) }))
host.addEventListener('connection:close', (e) => say({ event: 'close', ...describe(e.detail) }))
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
    listening: addresses.transportManager.getAddrs().map(String),
    observed: addresses.addressManager.getObservedAddrs().map(String),
    mapped: mapped().map((a) => ({ addr: a.multiaddr.toString(), verified: a.verified })),
    connections: host.getConnections().map(describe),
  })
}, 1000)
