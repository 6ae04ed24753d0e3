// /peerdrive/chunk/1.0.0 on the wire: one length-prefixed request, one
// length-prefixed response per stream, each step under a deadline. A peer
// that sends garbage or nothing gets its stream reset and a strike.
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Host } from './host.ts'
import type { ChunkHolder } from './chunk-service.ts'
import { answerChunkRequest } from './chunk-service.ts'
import type { Request, Response } from './messages.ts'
import {
  MAX_MESSAGE_BYTES,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from './messages.ts'
import type { PeerScores } from './peer-scores.ts'

export const CHUNK_PROTOCOL = '/peerdrive/chunk/1.0.0'

const FRAME = { maxDataLength: MAX_MESSAGE_BYTES, maxBufferSize: MAX_MESSAGE_BYTES + 16 }

export interface ChunkProtocolOptions {
  /** How long a peer may take to send its request. */
  readTimeoutMs?: number
  maxInboundStreams?: number
  onMisbehaviour?: (peer: PeerId, reason: string) => void
}

export async function serveChunks(
  host: Host,
  vault: ChunkHolder,
  scores: PeerScores,
  opts: ChunkProtocolOptions = {},
): Promise<void> {
  const readTimeoutMs = opts.readTimeoutMs ?? 5_000
  await host.handle(
    CHUNK_PROTOCOL,
    async (stream: Stream, connection: Connection) => {
      const peer = connection.remotePeer
      if (scores.isBanned(peer.toString())) {
        stream.abort(new Error('peer is banned'))
        return
      }
      const lp = lpStream(stream, FRAME)
      let req: Request
      try {
        req = decodeRequest((await lp.read({ signal: AbortSignal.timeout(readTimeoutMs) })).subarray())
      } catch (err) {
        stream.abort(err as Error)
        const reason = (err as Error).name
        opts.onMisbehaviour?.(peer, reason)
        if (scores.strike(peer.toString()))
          await connection.close().catch(() => connection.abort(err as Error))
        return
      }
      try {
        const res = await answerChunkRequest(vault, req)
        await lp.write(encodeResponse(res), { signal: AbortSignal.timeout(readTimeoutMs * 4) })
        await stream.close()
      } catch (err) {
        stream.abort(err as Error)
      }
    },
    { maxInboundStreams: opts.maxInboundStreams ?? 64, maxOutboundStreams: 64 },
  )
}

/** Sends one request and returns the peer's answer; throws on timeout, reset or a malformed answer. */
export async function requestChunk(
  host: Host,
  peer: PeerId,
  req: Request,
  timeoutMs = 15_000,
): Promise<Response> {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await host.dialProtocol(peer, CHUNK_PROTOCOL, { signal })
  const lp = lpStream(stream, FRAME)
  try {
    await lp.write(encodeRequest(req), { signal })
    await stream.close({ signal })
    return decodeResponse((await lp.read({ signal })).subarray())
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
