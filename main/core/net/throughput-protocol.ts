// /peerdrive/throughput/1.0.0: a sink that counts what it is sent, so the
// network benchmark can measure raw libp2p stream throughput between the
// same nodes it measures PeerDrive on. Only served when a node is started
// for benchmarking, since it lets a peer spend this node's bandwidth.
import type { PeerId, Stream } from '@libp2p/interface'
import type { Host } from './host.ts'
import { closeStream } from './stream-close.ts'

export const THROUGHPUT_PROTOCOL = '/peerdrive/throughput/1.0.0'
const MAX_BYTES = 4 * 2 ** 30

export async function serveThroughputSink(host: Host): Promise<void> {
  await host.handle(THROUGHPUT_PROTOCOL, async (stream: Stream) => {
    try {
      let received = 0
      for await (const chunk of stream) {
        received += chunk.byteLength
        if (received > MAX_BYTES) throw new Error('too much')
      }
      const reply = new Uint8Array(8)
      new DataView(reply.buffer).setBigUint64(0, BigInt(received))
      stream.send(reply)
      await closeStream(stream)
    } catch (err) {
      stream.abort(err as Error)
    }
  })
}

/**
 * Sends `bytes` (in pieces of `piece`) and returns MB/s once the sink confirms
 * all arrived. Gives up after `timeoutMs` (a stream whose connection was cut
 * may otherwise wait for a drain that never comes).
 */
export async function measureThroughput(
  host: Host,
  peer: PeerId,
  bytes: number,
  piece = 2 ** 20,
  timeoutMs = 120_000,
): Promise<number> {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await host.dialProtocol(peer, THROUGHPUT_PROTOCOL, { signal })
  const onTimeout = () => stream.abort(new Error(`throughput measurement took over ${timeoutMs / 1000} s`))
  signal.addEventListener('abort', onTimeout)
  try {
    const buffer = new Uint8Array(piece).fill(7)
    const started = performance.now()
    for (let sent = 0; sent < bytes; sent += piece) {
      if (!stream.send(buffer)) await stream.onDrain({ signal })
    }
    await closeStream(stream, { signal })
    let confirmed = false
    for await (const chunk of stream) {
      if (chunk.byteLength >= 8) {
        confirmed = true
        break
      }
    }
    if (!confirmed) throw new Error('the throughput sink closed without confirming the bytes')
    const seconds = (performance.now() - started) / 1000
    return bytes / 1e6 / seconds
  } finally {
    signal.removeEventListener('abort', onTimeout)
  }
}
