import assert from 'node:assert/strict'
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { ChunkRequest } from '../../../main/core/net/pb/chunk.js'
import {
  MAX_CHUNK_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_REPLICATE_COPIES,
  MAX_REPLICATE_AVOID,
  decodeAddressList,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../main/core/net/messages.ts'
import type { Request } from '../../../main/core/net/messages.ts'
import { MAX_ADDRS, MAX_PEERS, encodePeerList, parsePeerList } from '../../../main/core/net/peer-messages.ts'
import { PeerList } from '../../../main/core/net/pb/peers.js'

// decoded fields are plain Uint8Arrays; compare like with like
const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n))

test('requests and responses round-trip', () => {
  const address = randomBytes(32)
  const ticket = {
    account: 'ab'.repeat(32),
    size: 3 * 2 ** 20,
    count: 3,
    period: 472_222,
    signatures: [
      { peer: '12D3KooWA8fcQmP9hnNXD4df3HBcgtfyW5LBfSVyHfhi3tTe8qS5', signature: 'cd'.repeat(64) },
    ],
    index: 2,
    path: [randomBytes(32), randomBytes(32)],
  }
  const requests: Request[] = [
    { type: 'put', address, bytes: randomBytes(1000) },
    { type: 'get', address },
    { type: 'has', address },
    { type: 'list', after: null, limit: 10 },
    { type: 'list', after: address, limit: 4096 },
    { type: 'replicate', address, bytes: randomBytes(1000), copies: 4 },
    { type: 'replicate', address, bytes: randomBytes(1000), copies: 4, avoid: [randomBytes(38)] },
    { type: 'put', address, bytes: randomBytes(1000), ticket },
    { type: 'replicate', address, bytes: randomBytes(1000), copies: 4, ticket },
  ]
  for (const req of requests) assert.deepEqual(decodeRequest(encodeRequest(req)), req)
  const largest = encodeRequest({
    type: 'replicate',
    address,
    bytes: new Uint8Array(MAX_CHUNK_BYTES),
    copies: MAX_REPLICATE_COPIES,
    avoid: Array.from({ length: MAX_REPLICATE_AVOID }, () => randomBytes(64)),
    ticket: {
      ...ticket,
      signatures: Array.from({ length: 8 }, () => ({ peer: 'p'.repeat(64), signature: 'ab'.repeat(64) })),
      path: Array.from({ length: 8 }, () => randomBytes(32)),
    },
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
    raw({ type: Type.REPLICATE, address, bytes: Uint8Array.of(1), copies: 4, avoid: [new Uint8Array(0)] }),
    raw({ type: Type.REPLICATE, address, bytes: Uint8Array.of(1), copies: 4, avoid: [new Uint8Array(65)] }),
    raw({
      type: Type.REPLICATE,
      address,
      bytes: Uint8Array.of(1),
      copies: 4,
      avoid: Array.from({ length: MAX_REPLICATE_AVOID + 1 }, () => randomBytes(38)),
    }),
    raw({ type: Type.PUT, address, bytes: Uint8Array.of(1), avoid: [randomBytes(38)] }),
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
    encodeRequest({
      type: 'replicate',
      address,
      bytes: randomBytes(64),
      copies: 4,
      avoid: [randomBytes(38)],
    }),
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

const peerId = '12D3KooWA8fcQmP9hnNXD4df3HBcgtfyW5LBfSVyHfhi3tTe8qS5'

test('peer lists round-trip and keep their limits', () => {
  const addrs = ['/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4002', `/ip4/10.0.0.1/tcp/1/p2p/${peerId}`]
  const [peer] = parsePeerList(encodePeerList([{ id: peerId, addrs }]))
  assert.equal(peer!.id.toString(), peerId)
  assert.deepEqual(
    peer!.addrs.map((a) => a.toString()),
    addrs,
  )
  const id = parsePeerList(encodePeerList([{ id: peerId, addrs: [] }]))[0]!.id.toMultihash().bytes
  const hostile = [
    PeerList.encode({ peers: Array.from({ length: MAX_PEERS + 1 }, () => ({ id, addrs: [] })) }),
    PeerList.encode({
      peers: [{ id, addrs: Array.from({ length: MAX_ADDRS + 1 }, () => Uint8Array.of(4)) }],
    }),
    PeerList.encode({ peers: [{ id: Uint8Array.of(0, 5, 1), addrs: [] }] }),
    PeerList.encode({ peers: [{ id: new Uint8Array(0), addrs: [] }] }),
    PeerList.encode({ peers: [{ id, addrs: [Uint8Array.of(0xff, 0xff, 0xff, 0x0f)] }] }),
    PeerList.encode({ peers: [{ id: id.subarray(0, id.length - 1), addrs: [] }] }),
  ]
  for (const body of hostile) assert.throws(() => parsePeerList(body), { name: 'MalformedMessage' })
})

test('fuzz: mutated peer lists decode or fail as MalformedMessage', () => {
  const seed = encodePeerList([
    { id: peerId, addrs: ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002'] },
    { id: peerId, addrs: [] },
  ])
  fc.assert(
    fc.property(
      fc.nat(seed.length - 1),
      fc.integer({ min: 1, max: 255 }),
      fc.nat({ max: 4 }),
      (at, xor, cut) => {
        const bytes = Uint8Array.from(seed, (b, i) => (i === at ? b ^ xor : b)).subarray(0, seed.length - cut)
        try {
          parsePeerList(bytes)
        } catch (err) {
          assert.equal((err as Error).name, 'MalformedMessage', String(err))
        }
      },
    ),
    { numRuns: 3000 },
  )
})
