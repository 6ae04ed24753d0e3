// The libp2p host every PeerDrive node runs: TCP + Noise + Yamux, identify,
// ping, and kad-dht under PeerDrive's own protocol id. Loopback and LAN peers
// are first-class here, which libp2p's public-internet defaults are not.
//
// A node that listens beyond loopback is on a real network, maybe behind a
// home router: it adds QUIC, AutoNAT (is this node reachable from outside?),
// UPnP-NAT (ask the router for a port), circuit-relay-v2 (reserve a slot on
// relays; serve as one when publicly reachable) and DCUtR (turn a relayed
// connection into a direct one). A loopback-only node (tests, testnets, the
// local network of `peerdrive up`) leaves all of that out: none of it can
// help on one machine, and its probes and timers only slow tests down.
import { noise } from '@chainsafe/libp2p-noise'
import { quic } from '@chainsafe/libp2p-quic'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify, identifyPush } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { uPnPNAT } from '@libp2p/upnp-nat'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { liveness } from './liveness.ts'
import type { Liveness } from './liveness.ts'

export const DHT_PROTOCOL = '/peerdrive/kad/1.0.0'

/** Where a loopback node listens: tests, testnets and the local network of `peerdrive up`. */
export const LOOPBACK_LISTEN = ['/ip4/127.0.0.1/tcp/0']

/** Where the desktop node listens by default: every interface, TCP and QUIC, IPv4 and IPv6. */
export const ALL_INTERFACES_LISTEN = [
  '/ip4/0.0.0.0/tcp/0',
  '/ip6/::/tcp/0',
  '/ip4/0.0.0.0/udp/0/quic-v1',
  '/ip6/::/udp/0/quic-v1',
]

/**
 * Where the desktop node (`peerdrive up`, the app) listens: every interface
 * when it joins a network beyond this machine, so that its peers can reach
 * it; loopback when it joins none, or one that lives on this machine (a local
 * network, a testnet, a test), or when asked to.
 */
export function desktopListen(bootstrap: string[], keepLoopback: boolean): string[] {
  const beyondThisMachine = bootstrap.length > 0 && !loopbackOnly(bootstrap)
  return beyondThisMachine && !keepLoopback ? ALL_INTERFACES_LISTEN : LOOPBACK_LISTEN
}

/**
 * Relay limits of a publicly reachable vault. A relayed connection only has to
 * carry identify, the hole-punch handshake and a few small requests until it
 * is upgraded to a direct one; chunks never travel through a relay (see
 * docs/NETWORK.md, "Reachability").
 */
export const RELAY_LIMITS = {
  maxReservations: 64,
  reservationTtlMs: 30 * 60_000,
  durationMs: 2 * 60_000,
  dataBytes: 4n * 2n ** 20n,
}

/** How many relays a node that listens beyond loopback keeps a reservation on. */
const RELAY_RESERVATIONS = 2

export type Host = Libp2p<{ identify: Identify; ping: Ping; dht: SingleKadDHT; liveness: Liveness }>

/** The parts a node has only when it listens beyond loopback. */
export interface NetworkServices {
  relay: CircuitRelayService
}

export interface HostOptions {
  privateKey: PrivateKey
  /** Listen addresses; loopback only unless the user asks for more. */
  listen?: string[]
  bootstrap?: string[]
  /** Find peers on the LAN by multicast DNS. */
  mdns?: boolean
  /** Ask the router for a port mapping (UPnP); only when listening beyond loopback. Default on. */
  upnp?: boolean
  /** Silent-loss detection (net/liveness.ts): a ping per connection every interval (default 2 s). */
  heartbeatMs?: number
  /** How long a connection may stay without a sign of life before it is dropped (default 3 heartbeats). */
  heartbeatTimeoutMs?: number
}

/** True when every address is on loopback: nothing beyond this machine can reach the node. */
export function loopbackOnly(listen: string[]): boolean {
  return listen.every((addr) => {
    const host = multiaddr(addr).getComponents()[0]?.value ?? ''
    return host.startsWith('127.') || host === '::1' || host === 'localhost'
  })
}

/** The relay server of a host that listens beyond loopback; undefined on a loopback host. */
export function relayService(host: Host): CircuitRelayService | undefined {
  return (host.services as Partial<NetworkServices>).relay
}

export async function createHost(opts: HostOptions): Promise<Host> {
  const heartbeatMs = opts.heartbeatMs ?? 2000
  const heartbeatMisses = Math.max(1, Math.round((opts.heartbeatTimeoutMs ?? 3 * heartbeatMs) / heartbeatMs))
  const listen = opts.listen ?? LOOPBACK_LISTEN
  const network = !loopbackOnly(listen)
  const discovery = []
  if (opts.bootstrap?.length) discovery.push(bootstrap({ list: opts.bootstrap, timeout: 0 }))
  if (opts.mdns) discovery.push(mdns())
  // kadDHT() is typed as the generic KadDHT; configured as above it is a single
  // DHT whose routing table the node reads for its metrics.
  const node = await createLibp2p({
    privateKey: opts.privateKey,
    addresses: {
      // each '/p2p-circuit' asks for one reservation on a relay found among the peers
      listen: network ? [...listen, ...Array<string>(RELAY_RESERVATIONS).fill('/p2p-circuit')] : listen,
    },
    transports: network
      ? [tcp(), quic(), circuitRelayTransport({ reservationCompletionTimeout: 20_000 })]
      : [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: discovery,
    // Every node of a loopback testnet dials from 127.0.0.1; the default
    // per-host inbound rate limit would refuse most of them.
    connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
    // libp2p's monitor drops a connection after one late ping, which a busy link or a loaded
    // machine causes; the liveness service below waits for several in a row
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      ping: ping(),
      liveness: liveness({ intervalMs: heartbeatMs, misses: heartbeatMisses }),
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper }),
      ...(network ? networkServices(opts.upnp !== false) : {}),
    },
  })
  return node as unknown as Host
}

/**
 * AutoNAT (v1) as libp2p ships it, except that its dial-back really dials. It
 * asks the connection manager for a connection to the address under test,
 * gets back the connection the request itself came on (libp2p 3 reuses any
 * open connection to a peer), judges it by that connection's address, and
 * then closes it: no address is ever verified and the asking peer is cut
 * off. Forcing a new connection for that one dial is what the protocol means.
 */
function autoNATDialingBack() {
  const make = autoNAT()
  return (components: Parameters<typeof make>[0]) => {
    const manager = components.connectionManager
    const dialingBack = new Proxy(manager, {
      get(target, prop, receiver) {
        if (prop !== 'openConnection') return Reflect.get(target, prop, receiver)
        return (to: Parameters<typeof manager.openConnection>[0], options = {}) =>
          // one multiaddr is the dial-back; a list is AutoNAT's random walk, which may reuse
          target.openConnection(to, Array.isArray(to) ? options : { ...options, force: true })
      },
    })
    return make(
      new Proxy(components, {
        get: (target, prop, receiver) =>
          prop === 'connectionManager' ? dialingBack : Reflect.get(target, prop, receiver),
      }),
    )
  }
}

/** NAT traversal: what a node on a real network runs besides the loopback set. */
function networkServices(upnp: boolean) {
  return {
    // peers learn at once when this node starts or stops serving as a vault or relay
    identifyPush: identifyPush(),
    autonat: autoNATDialingBack(),
    dcutr: dcutr(),
    // started only once AutoNAT finds this node publicly reachable (net/reachability.ts)
    relay: circuitRelayServer({
      reservations: {
        maxReservations: RELAY_LIMITS.maxReservations,
        reservationTtl: RELAY_LIMITS.reservationTtlMs,
        applyDefaultLimit: true,
        defaultDurationLimit: RELAY_LIMITS.durationMs,
        defaultDataLimit: RELAY_LIMITS.dataBytes,
      },
    }),
    ...(upnp ? { upnp: uPnPNAT() } : {}),
  }
}
