// /peerdrive/chunk/2.0.0 on the wire: one ChunkRequest, one ChunkResponse
// (pb/chunk.proto) per stream (see one-shot.ts for the framing, deadlines and
// strike rules), answered out of the local vault.
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

export const CHUNK_PROTOCOL = '/peerdrive/chunk/2.0.0'

export type ChunkProtocolOptions = ServeOptions

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
  await serveOneShot(host, PROTOCOL, (req) => answerChunkRequest(vault, req), scores, opts)
}

/** Sends one request and returns the peer's answer; throws on timeout, reset or a malformed answer. */
export async function requestChunk(
  host: Host,
  peer: PeerId,
  req: Request,
  timeoutMs = 15_000,
): Promise<Response> {
  return requestOneShot(host, peer, PROTOCOL, req, timeoutMs)
}
