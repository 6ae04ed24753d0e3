import assert from 'node:assert/strict'
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { ChunkRequest } from '../../../main/core/net/pb/chunk.js'
import {
  MAX_CHUNK_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_REPLICATE_COPIES,
  decodeAddressList,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../main/core/net/messages.ts'
import type { Request } from '../../../main/core/net/messages.ts'
import { parsePeerList } from '../../../main/core/net/peer-exchange.ts'

// decoded fields are plain Uint8Arrays; compare like with like
const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n))

test('requests and responses round-trip', () => {
  const address = randomBytes(32)
  const requests: Request[] = [
    { type: 'put', address, bytes: randomBytes(1000) },
    { type: 'get', address },
    { type: 'has', address },
    { type: 'list', after: null, limit: 10 },
    { type: 'list', after: address, limit: 4096 },
    { type: 'replicate', address, bytes: randomBytes(1000), copies: 4 },
  ]
  for (const req of requests) assert.deepEqual(decodeRequest(encodeRequest(req)), req)
  const largest = encodeRequest({
    type: 'replicate',
    address,
    bytes: new Uint8Array(MAX_CHUNK_BYTES),
    copies: MAX_REPLICATE_COPIES,
  })
  assert.ok(largest.byteLength <= MAX_MESSAGE_BYTES, 'the largest request fits the frame limit')
  const holders = Array.from({ length: MAX_REPLICATE_COPIES }, () => randomBytes(38))
  const replicated = encodeResponse({ status: 'ok', copies: 4, holders })
  assert.ok(replicated.byteLength <= MAX_MESSAGE_BYTES)
  assert.deepEqual(decodeResponse(replicated), { status: 'ok', copies: 4, holders })
  assert.deepEqual(decodeResponse(encodeResponse({ status: 'ok' })), { status: 'ok' })
  assert.deepEqual(decodeResponse(encodeResponse({ status: 'ok', bytes: Uint8Array.of(1, 2, 3) })), {
    status: 'ok',
    bytes: Uint8Array.of(1, 2, 3),
  })
  assert.deepEqual(decodeResponse(encodeResponse({ status: 'full', reason: 'vault is full' })), {
    status: 'full',
    reason: 'vault is full',
  })
})

test('malformed requests are refused by name', () => {
  const address = randomBytes(32)
  const raw = (m: Partial<ChunkRequest>) => ChunkRequest.encode(m)
  const { Type } = ChunkRequest
  const bad = [
    new Uint8Array(0),
    Uint8Array.of(1, 2, 3),
    Uint8Array.of(0x08, 9),
    Uint8Array.of(0x08, 0x80),
    Uint8Array.of(0x12, 0x40, 1),
    raw({ type: Type.UNKNOWN, address }),
    raw({ type: Type.GET, address: address.subarray(1) }),
    raw({ type: Type.GET, address, bytes: Uint8Array.of(0) }),
    raw({ type: Type.PUT, address }),
    raw({ type: Type.PUT, address, bytes: Buffer.alloc(MAX_CHUNK_BYTES + 1) }),
    raw({ type: Type.REPLICATE, address, bytes: Uint8Array.of(1), copies: 0 }),
    raw({ type: Type.REPLICATE, address, bytes: Uint8Array.of(1), copies: MAX_REPLICATE_COPIES + 1 }),
    raw({ type: Type.LIST, limit: 0 }),
    raw({ type: Type.LIST, limit: 4097 }),
    raw({ type: Type.LIST, limit: 1, after: Uint8Array.of(7) }),
  ]
  for (const body of bad) assert.throws(() => decodeRequest(body), { name: 'MalformedMessage' })
})

test('fuzz: mutated well-formed requests decode or fail as MalformedMessage', () => {
  const address = randomBytes(32)
  const seeds = [
    encodeRequest({ type: 'put', address, bytes: randomBytes(64) }),
    encodeRequest({ type: 'replicate', address, bytes: randomBytes(64), copies: 4 }),
    encodeRequest({ type: 'list', after: address, limit: 100 }),
    encodeResponse({ status: 'ok', copies: 3, holders: [randomBytes(38), randomBytes(38)] }),
  ]
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 8 }))
    .map(([seed, at, xor, cut]) => {
      const out = Uint8Array.from(seed, (b, i) => (i === at % seed.length ? b ^ xor : b))
      return out.subarray(0, out.length - cut)
    })
  fc.assert(
    fc.property(mutated, (bytes) => {
      for (const decode of [decodeRequest, decodeResponse]) {
        try {
          decode(bytes)
        } catch (err) {
          assert.equal((err as Error).name, 'MalformedMessage', String(err))
        }
      }
    }),
    { numRuns: 3000 },
  )
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
