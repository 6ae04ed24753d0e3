// The libp2p host every PeerDrive node runs: TCP + Noise + Yamux, identify,
// ping, and kad-dht under PeerDrive's own protocol id. Loopback and LAN peers
// are first-class here, which libp2p's public-internet defaults are not.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

export const DHT_PROTOCOL = '/peerdrive/kad/1.0.0'

export type Host = Libp2p<{ identify: Identify; ping: Ping; dht: SingleKadDHT }>

export interface HostOptions {
  privateKey: PrivateKey
  /** Listen addresses; loopback only unless the user asks for more. */
  listen?: string[]
  bootstrap?: string[]
  /** Find peers on the LAN by multicast DNS. */
  mdns?: boolean
  /** Silent-loss detection: a ping per connection every interval; no answer within the timeout drops it. */
  heartbeatMs?: number
  heartbeatTimeoutMs?: number
}

export async function createHost(opts: HostOptions): Promise<Host> {
  const heartbeatMs = opts.heartbeatMs ?? 2000
  // The timeout must stay under the interval: overlapping pings count as failures.
  const heartbeatTimeoutMs = Math.min(opts.heartbeatTimeoutMs ?? 1900, heartbeatMs - 100)
  const discovery = []
  if (opts.bootstrap?.length) discovery.push(bootstrap({ list: opts.bootstrap, timeout: 0 }))
  if (opts.mdns) discovery.push(mdns())
  // kadDHT() is typed as the generic KadDHT; configured as above it is a single
  // DHT whose routing table the node reads for its metrics.
  const node = await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: discovery,
    // Every node of a loopback testnet dials from 127.0.0.1; the default
    // per-host inbound rate limit would refuse most of them.
    connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
    connectionMonitor: {
      pingInterval: heartbeatMs,
      pingTimeout: { minTimeout: Math.min(1500, heartbeatTimeoutMs), maxTimeout: heartbeatTimeoutMs },
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper }),
    },
  })
  return node as unknown as Host
}
