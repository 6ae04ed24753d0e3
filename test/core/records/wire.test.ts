// The record protocol's messages: round trips, refusals by name, fuzzing.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  MAX_RECORD_MESSAGE_BYTES,
  decodeRecordRequest,
  decodeRecordResponse,
  encodeRecordRequest,
  encodeRecordResponse,
} from '../../../main/core/net/record-messages.ts'
import {
  RecordRequest as WireRequest,
  RecordResponse as WireResponse,
} from '../../../main/core/net/pb/record.js'
import type { RecordRequest, RecordResponse } from '../../../main/core/net/record-messages.ts'
import { encodeTicket } from '../../../main/core/net/messages.ts'
import { answerRecordRequest } from '../../../main/core/net/record-service.ts'
import {
  MAX_PAYLOAD_BYTES,
  MAX_RECORD_BYTES,
  OwnerKey,
  RecordBadSignatureError,
  RecordInvalidError,
  RecordStaleError,
  addressOf,
  encodeRecord,
  signRecord,
} from '../../../main/core/records/index.ts'

const key = OwnerKey.generate()
const record = signRecord(key, { name: 'root', version: 5, payload: randomBytes(200) })
// decoded fields are plain Uint8Arrays; compare like with like
const address = new Uint8Array(addressOf(record))
const ticket = {
  account: 'ab'.repeat(32),
  size: MAX_RECORD_BYTES,
  count: 1,
  period: 472_222,
  signatures: [{ peer: '12D3KooWA8fcQmP9hnNXD4df3HBcgtfyW5LBfSVyHfhi3tTe8qS5', signature: 'cd'.repeat(64) }],
  index: 0,
  path: [],
}

test('record requests and responses round-trip', () => {
  const requests: RecordRequest[] = [
    { type: 'record-put', address, record },
    { type: 'record-put', address, record, ticket },
    { type: 'record-get', address },
  ]
  for (const req of requests) assert.deepEqual(decodeRecordRequest(encodeRecordRequest(req)), req)
  const responses: RecordResponse[] = [
    { status: 'ok' },
    { status: 'ok', record },
    { status: 'stale', reason: 'version 1 is older than the held version 5' },
    { status: 'bad-signature', reason: 'x' },
    { status: 'not-found', reason: 'not held' },
    { status: 'full', reason: 'vault is full' },
    { status: 'bad-request', reason: 'address' },
    { status: 'failed', reason: 'VaultClosed' },
  ]
  for (const res of responses) assert.deepEqual(decodeRecordResponse(encodeRecordResponse(res)), res)
  const largest = signRecord(key, {
    name: 'n'.repeat(64),
    version: 1,
    payload: new Uint8Array(MAX_PAYLOAD_BYTES),
  })
  // with the largest ticket: eight signatures and a full path
  const fullTicket = {
    ...ticket,
    count: 256,
    index: 255,
    signatures: Array.from({ length: 8 }, () => ticket.signatures[0]!),
    path: Array.from({ length: 8 }, () => new Uint8Array(32)),
  }
  const body = encodeRecordRequest({
    type: 'record-put',
    address: addressOf(largest),
    record: largest,
    ticket: fullTicket,
  })
  assert.ok(body.byteLength <= MAX_RECORD_MESSAGE_BYTES, 'the largest record and ticket fit the frame limit')
  assert.ok(MAX_RECORD_MESSAGE_BYTES < MAX_RECORD_BYTES + 2048, 'and the limit stays close to them')
})

test('malformed record messages are refused as MalformedMessage', () => {
  const encoded = encodeRecord(record)
  const { Type } = WireRequest
  const raw = (m: Partial<WireRequest>) => WireRequest.encode(m)
  const bad = [
    new Uint8Array(0),
    Uint8Array.of(2, 1, 2),
    raw({ type: Type.UNKNOWN, address }),
    raw({ type: Type.GET, address: address.subarray(2) }),
    raw({ type: Type.GET, address, record: encoded }),
    raw({ type: Type.PUT, address }),
    raw({ type: Type.PUT, address, record: encoded.subarray(1) }),
    raw({ type: Type.PUT, address, record: Buffer.concat([encoded, Uint8Array.of(0)]) }),
    raw({ type: Type.PUT, address, record: Buffer.alloc(MAX_RECORD_BYTES + 1) }),
    raw({ type: Type.GET, address, ticket: encodeTicket(ticket) }),
    raw({ type: Type.PUT, address, record: encoded, ticket: Uint8Array.of(1, 2, 3) }),
    raw({ type: Type.PUT, address, record: encoded, ticket: Buffer.alloc(4096) }),
    raw({ type: Type.PUT, address, record: encoded, ticket: encodeTicket({ ...ticket, index: 1 }) }),
  ]
  for (const body of bad) assert.throws(() => decodeRecordRequest(body), { name: 'MalformedMessage' })
  const { Status } = WireResponse
  const badResponses = [
    Uint8Array.of(77),
    Uint8Array.of(0, 1, 2),
    Buffer.alloc(300, 1),
    WireResponse.encode({ status: Status.OK, record: encoded.subarray(3) }),
    WireResponse.encode({ status: Status.STALE, reason: 'x'.repeat(300) }),
    WireResponse.encode({ status: Status.FULL, record: encoded }),
  ]
  for (const body of badResponses)
    assert.throws(() => decodeRecordResponse(body), { name: 'MalformedMessage' })
})

test('fuzz: any bytes decode to a record message or a MalformedMessage error, never anything else', () => {
  const put = encodeRecordRequest({ type: 'record-put', address, record, ticket })
  const mutated = fc
    .tuple(fc.nat(put.length - 1), fc.integer({ min: 1, max: 255 }))
    .map(([at, xor]) => Uint8Array.from(put, (b, i) => (i === at ? b ^ xor : b)))
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), mutated), (bytes) => {
      for (const decode of [decodeRecordRequest, decodeRecordResponse]) {
        try {
          decode(bytes)
        } catch (err) {
          assert.equal((err as Error).name, 'MalformedMessage', String(err))
        }
      }
    }),
    { numRuns: 2000 },
  )
})

test("a holder's refusals map to wire statuses", async () => {
  const failing = (err: Error) => ({
    putRecord: async () => {
      throw err
    },
    getRecord: async () => undefined,
  })
  const cases: [Error, string][] = [
    [new RecordStaleError(address, 1n, 5n), 'stale'],
    [new RecordBadSignatureError(address), 'bad-signature'],
    [new RecordInvalidError('the address does not match'), 'bad-request'],
    [Object.assign(new Error('vault is full'), { name: 'VaultFull' }), 'full'],
    [new Error('boom'), 'failed'],
  ]
  for (const [err, status] of cases) {
    const res = await answerRecordRequest(failing(err), { type: 'record-put', address, record })
    assert.equal(res.status, status)
  }
  const res = await answerRecordRequest(failing(new Error()), { type: 'record-get', address })
  assert.equal(res.status, 'not-found')
})
