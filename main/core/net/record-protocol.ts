// /peerdrive/record/2.0.0 on the wire: record PUT and GET (pb/record.proto), one request and
// one response per stream, with the chunk protocol's deadlines and strike
// rules (one-shot.ts) and a frame limit of one record plus header.
import type { PeerId } from '@libp2p/interface'
import type { Host } from './host.ts'
import { requestOneShot, serveOneShot } from './one-shot.ts'
import type { OneShotProtocol, ServeOptions } from './one-shot.ts'
import type { PeerScores } from './peer-scores.ts'
import type { RecordRequest, RecordResponse } from './record-messages.ts'
import {
  MAX_RECORD_MESSAGE_BYTES,
  decodeRecordRequest,
  decodeRecordResponse,
  encodeRecordRequest,
  encodeRecordResponse,
} from './record-messages.ts'
import { answerRecordRequest } from './record-service.ts'
import type { RecordHolder } from './record-service.ts'
import { answerRecordPut } from './put-guard.ts'
import type { ReplicateComponents } from './replicate-service.ts'

export const RECORD_PROTOCOL = '/peerdrive/record/2.0.0'

const PROTOCOL: OneShotProtocol<RecordRequest, RecordResponse> = {
  id: RECORD_PROTOCOL,
  maxMessageBytes: MAX_RECORD_MESSAGE_BYTES,
  encodeRequest: encodeRecordRequest,
  decodeRequest: decodeRecordRequest,
  encodeResponse: encodeRecordResponse,
  decodeResponse: decodeRecordResponse,
}

export async function serveRecords(
  host: Host,
  holder: RecordHolder,
  scores: PeerScores,
  opts: ServeOptions & { guard?: ReplicateComponents } = {},
): Promise<void> {
  const { guard } = opts
  await serveOneShot(
    host,
    PROTOCOL,
    (req, from) =>
      req.type === 'record-put' && guard
        ? answerRecordPut(guard, holder, req, from)
        : answerRecordRequest(holder, req),
    scores,
    opts,
  )
}

export async function requestRecord(
  host: Host,
  peer: PeerId,
  req: RecordRequest,
  timeoutMs = 15_000,
): Promise<RecordResponse> {
  return requestOneShot(host, peer, PROTOCOL, req, timeoutMs)
}
