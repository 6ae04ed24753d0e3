// /peerdrive/throughput/2.0.0: a sink that counts what it is sent, so the
// network benchmark can measure raw libp2p stream throughput between the
// same nodes it measures PeerDrive on. The payload is raw bytes on purpose
// (framing it would change what is measured); the sink's answer is one
// length-prefixed ThroughputReceived (pb/throughput.proto). Only served when
// a node is started for benchmarking, since it lets a peer spend this node's
// bandwidth.
import type { PeerId, Stream } from '@libp2p/interface'
import { pbStream } from '@libp2p/utils'
import type { Host } from './host.ts'
import { decodeWith } from './messages.ts'
import { ThroughputReceived } from './pb/throughput.js'

export const THROUGHPUT_PROTOCOL = '/peerdrive/throughput/2.0.0'
const MAX_BYTES = 4 * 2 ** 30
const FRAME = { maxDataLength: 64, maxBufferSize: 2 ** 21 }

export async function serveThroughputSink(host: Host): Promise<void> {
  await host.handle(THROUGHPUT_PROTOCOL, async (stream: Stream) => {
    try {
      let received = 0
      for await (const chunk of stream) {
        received += chunk.byteLength
        if (received > MAX_BYTES) throw new Error('too much')
      }
      await pbStream(stream, FRAME).write({ bytes: received }, ThroughputReceived)
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  })
}

/** Sends `bytes` (in pieces of `piece`) and returns MB/s once the sink confirms all arrived. */
export async function measureThroughput(
  host: Host,
  peer: PeerId,
  bytes: number,
  piece = 2 ** 20,
): Promise<number> {
  const stream = await host.dialProtocol(peer, THROUGHPUT_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const buffer = new Uint8Array(piece).fill(7)
  const started = performance.now()
  let sent = 0
  for (; sent < bytes; sent += piece) {
    if (!stream.send(buffer)) await stream.onDrain()
  }
  await stream.close()
  const answer = await pbStream(stream, FRAME).read({
    decode: (data) => decodeWith(() => ThroughputReceived.decode(data)),
  })
  if (answer.bytes !== sent) throw new Error(`throughput sink received ${answer.bytes} of ${sent} bytes`)
  const seconds = (performance.now() - started) / 1000
  return bytes / 1e6 / seconds
}
