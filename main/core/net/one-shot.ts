// The shape every PeerDrive request protocol shares: one protobuf request,
// one protobuf response per stream, each framed by an unsigned-varint length
// prefix (libp2p's pbStream, it-protobuf-stream for libp2p 3 streams), each
// step under a deadline. A peer that sends garbage or an oversized frame gets its stream
// reset and a strike, as does one that sends nothing in time; past the strike limit its
// connection is closed. One whose request is still arriving at the deadline only loses the stream.
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { pbStream } from '@libp2p/utils'
import { failureName } from '../errors.ts'
import type { Host } from './host.ts'
import type { PeerScores } from './peer-scores.ts'
import { closeStream } from './stream-close.ts'

export interface OneShotProtocol<Req, Res> {
  id: string
  /** Largest body either side may send; the framing refuses longer prefixes before reading. */
  maxMessageBytes: number
  encodeRequest(req: Req): Uint8Array
  /** Throws on a malformed body (which earns the sender a strike); checks every limit. */
  decodeRequest(body: Uint8Array): Req
  encodeResponse(res: Res): Uint8Array
  decodeResponse(body: Uint8Array): Res
}

export interface ServeOptions {
  /** How long a peer may take to send its request. */
  readTimeoutMs?: number
  maxInboundStreams?: number
  onMisbehaviour?: (peer: PeerId, reason: string) => void
}

function frame(maxMessageBytes: number) {
  return { maxDataLength: maxMessageBytes, maxBufferSize: maxMessageBytes + 16 }
}

/** The stream's two message kinds, each decoded from a frame no longer than the protocol allows. */
function channels<Req, Res>(stream: Stream, protocol: OneShotProtocol<Req, Res>) {
  const pb = pbStream(stream, frame(protocol.maxMessageBytes))
  const bytes = (data: Uint8Array | { subarray(): Uint8Array }) => data.subarray()
  return {
    requests: pb.pb<Req>({
      encode: (req) => protocol.encodeRequest(req),
      decode: (data) => protocol.decodeRequest(bytes(data)),
    }),
    responses: pb.pb<Res>({
      encode: (res) => protocol.encodeResponse(res),
      decode: (data) => protocol.decodeResponse(bytes(data)),
    }),
  }
}

export async function serveOneShot<Req, Res>(
  host: Host,
  protocol: OneShotProtocol<Req, Res>,
  answer: (req: Req, from: PeerId) => Promise<Res>,
  scores: PeerScores,
  opts: ServeOptions = {},
): Promise<void> {
  const readTimeoutMs = opts.readTimeoutMs ?? 5_000
  await host.handle(
    protocol.id,
    async (stream: Stream, connection: Connection) => {
      const peer = connection.remotePeer
      if (scores.isBanned(peer.toString())) {
        stream.abort(new Error('peer is banned'))
        return
      }
      const { requests, responses } = channels(stream, protocol)
      // the framing reads every 'message'; this listener only counts what came
      let arrived = 0
      stream.addEventListener('message', (evt) => (arrived += evt.data.byteLength))
      let req: Req
      try {
        req = await requests.read({ signal: AbortSignal.timeout(readTimeoutMs) })
      } catch (err) {
        stream.abort(err as Error)
        const reason = failureName(err)
        // A request still arriving at the deadline is a slow link or a loaded machine, not a
        // stalling peer: its stream is let go without a strike (honest writers of 1 MiB
        // chunks were banned under load, and their PUTs failed). One that sent nothing is struck.
        if (reason === 'TimeoutError' && arrived > 0) return
        opts.onMisbehaviour?.(peer, reason)
        if (scores.strike(peer.toString()))
          await connection.close().catch(() => connection.abort(err as Error))
        return
      }
      try {
        const res = await answer(req, peer)
        await responses.write(res, { signal: AbortSignal.timeout(readTimeoutMs * 4) })
        await closeStream(stream)
      } catch (err) {
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: opts.maxInboundStreams ?? 64, maxOutboundStreams: 64 },
  )
}

/** Sends one request and returns the peer's answer; throws on timeout, reset or a malformed answer. */
export async function requestOneShot<Req, Res>(
  host: Host,
  peer: PeerId,
  protocol: OneShotProtocol<Req, Res>,
  req: Req,
  timeoutMs = 15_000,
): Promise<Res> {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await host.dialProtocol(peer, protocol.id, { signal })
  const { requests, responses } = channels(stream, protocol)
  try {
    await requests.write(req, { signal })
    await closeStream(stream, { signal })
    return await responses.read({ signal })
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
