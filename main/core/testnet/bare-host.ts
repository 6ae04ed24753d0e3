// The baseline of `bench memory`: a libp2p host with the transports, security,
// muxer and services a loopback vault runs (TCP, Noise, Yamux, identify, ping,
// kad-dht) and nothing of PeerDrive. What it holds idle is the floor a vault
// process stands on. Run as a child process: prints one ready line, then idles.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { kadDHT } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping(), dht: kadDHT({ clientMode: false }) },
})
await node.start()
// the same full collection a vault process runs once it is ready
;(globalThis as { gc?: () => void }).gc?.()
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`)
process.stdin.resume()
process.stdin.on('end', () => void Promise.resolve(node.stop()).then(() => process.exit(0)))
