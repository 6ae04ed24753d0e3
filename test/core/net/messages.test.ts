import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  MAX_CHUNK_BYTES,
  decodeAddressList,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../main/core/net/messages.ts'
import type { Request } from '../../../main/core/net/messages.ts'
import { parsePeerList } from '../../../main/core/net/peer-exchange.ts'

test('requests and responses round-trip', () => {
  const address = randomBytes(32)
  const requests: Request[] = [
    { type: 'put', address, bytes: randomBytes(1000) },
    { type: 'get', address },
    { type: 'has', address },
    { type: 'list', after: null, limit: 10 },
    { type: 'list', after: address, limit: 4096 },
  ]
  for (const req of requests) assert.deepEqual(decodeRequest(encodeRequest(req)), req)
  assert.deepEqual(decodeResponse(encodeResponse({ status: 'ok', bytes: Buffer.from('abc') })), {
    status: 'ok',
    bytes: Buffer.from('abc'),
  })
  assert.deepEqual(decodeResponse(encodeResponse({ status: 'full', reason: 'vault is full' })), {
    status: 'full',
    reason: 'vault is full',
  })
})

test('malformed requests are refused by name', () => {
  const address = randomBytes(32)
  const bad = [
    new Uint8Array(0),
    Uint8Array.of(1, 2, 3),
    Buffer.concat([Uint8Array.of(9), address]),
    Buffer.concat([Uint8Array.of(2), address, Uint8Array.of(0)]),
    Buffer.concat([Uint8Array.of(1), address, Buffer.alloc(MAX_CHUNK_BYTES + 1)]),
    Uint8Array.of(4, 0, 0),
    Uint8Array.of(4, 0xff, 0xff),
    Uint8Array.of(4, 0, 1, 7),
  ]
  for (const body of bad) assert.throws(() => decodeRequest(body), { name: 'MalformedMessage' })
})

test('fuzz: any bytes decode to a valid message or a MalformedMessage error, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      for (const decode of [decodeRequest, decodeResponse, decodeAddressList, parsePeerList]) {
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

test('fuzz: peer lists with hostile JSON are refused', () => {
  const hostile = [
    '{}',
    '[1]',
    '[{"id":5,"addrs":[]}]',
    '[{"id":"x","addrs":["/ip4/1.2.3.4"]}]',
    'null',
    '"a"',
  ]
  for (const text of hostile)
    assert.throws(() => parsePeerList(Buffer.from(text)), { name: 'MalformedMessage' })
  fc.assert(
    fc.property(fc.json(), (text) => {
      try {
        parsePeerList(Buffer.from(text))
      } catch (err) {
        assert.equal((err as Error).name, 'MalformedMessage')
      }
    }),
  )
})
