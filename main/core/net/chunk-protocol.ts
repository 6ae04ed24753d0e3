// /peerdrive/chunk/2.0.0 on the wire: one ChunkRequest, one ChunkResponse
// (pb/chunk.proto) per stream (see one-shot.ts for the framing, deadlines and
// strike rules), answered out of the local vault; a REPLICATE is also placed
// on the close group (replicate-service.ts) when the node gives the means, and
// then a PUT is kept only when the chunk is placed on this vault (put-guard.ts).
import type { PeerId } from '@libp2p/interface'
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
import { requestOneShot, serveOneShot } from './one-shot.ts'
import type { OneShotProtocol, ServeOptions } from './one-shot.ts'
import type { PeerScores } from './peer-scores.ts'
import { answerPut } from './put-guard.ts'
import { answerReplicate } from './replicate-service.ts'
import type { ReplicateComponents } from './replicate-service.ts'

export const CHUNK_PROTOCOL = '/peerdrive/chunk/2.0.0'

export interface ChunkProtocolOptions extends ServeOptions {
  /**
   * How this vault places the other copies of a chunk sent to it once, and
   * sees its close groups; without it REPLICATE is refused and any PUT is kept.
   */
  replicate?: ReplicateComponents
}

/** A REPLICATE is answered once the other copies are placed: each may take a PUT's time. */
const REPLICATE_TIMEOUT_MS = 60_000

const PROTOCOL: OneShotProtocol<Request, Response> = {
  id: CHUNK_PROTOCOL,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  encodeRequest,
  decodeRequest,
  encodeResponse,
  decodeResponse,
}

export async function serveChunks(
  host: Host,
  vault: ChunkHolder,
  scores: PeerScores,
  opts: ChunkProtocolOptions = {},
): Promise<void> {
  const { replicate } = opts
  const answer = (req: Request, from: PeerId): Promise<Response> => {
    if (req.type === 'replicate' && replicate) return answerReplicate(replicate, vault, req, from)
    if (req.type === 'put' && replicate) return answerPut(replicate, vault, req, from)
    return answerChunkRequest(vault, req)
  }
  await serveOneShot(host, PROTOCOL, answer, scores, opts)
}

/** Sends one request and returns the peer's answer; throws on timeout, reset or a malformed answer. */
export async function requestChunk(
  host: Host,
  peer: PeerId,
  req: Request,
  timeoutMs = req.type === 'replicate' ? REPLICATE_TIMEOUT_MS : 15_000,
): Promise<Response> {
  return requestOneShot(host, peer, PROTOCOL, req, timeoutMs)
}
