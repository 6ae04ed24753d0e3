// Answers record requests from peers out of the local vault. Pure request →
// response logic; the holder enforces the record rules (records/holder-rules.ts)
// and this maps its named refusals to wire statuses.
import type { SignedRecord } from '../records/format.ts'
import type { RecordPutOutcome } from '../records/holder-rules.ts'
import type { RecordRequest, RecordResponse } from './record-messages.ts'

export interface RecordHolder {
  putRecord(record: SignedRecord, address?: Uint8Array): Promise<RecordPutOutcome>
  getRecord(address: Uint8Array): Promise<SignedRecord | undefined>
}

const STATUS_BY_ERROR: Record<string, Exclude<RecordResponse['status'], 'ok'>> = {
  VaultFull: 'full',
  RecordStale: 'stale',
  RecordBadSignature: 'bad-signature',
  RecordInvalid: 'bad-request',
}

export async function answerRecordRequest(holder: RecordHolder, req: RecordRequest): Promise<RecordResponse> {
  try {
    switch (req.type) {
      case 'record-put':
        await holder.putRecord(req.record, req.address)
        return { status: 'ok' }
      case 'record-get': {
        const record = await holder.getRecord(req.address)
        return record ? { status: 'ok', record } : { status: 'not-found', reason: 'not held' }
      }
    }
  } catch (err) {
    const { name, message } = err as Error
    const status = STATUS_BY_ERROR[name]
    return status ? { status, reason: message } : { status: 'failed', reason: name }
  }
}
