// The farm protocol's decoders (pb/farm.proto) refuse anything malformed with
// one named error, and round-trip what is well-formed: input from the network never
// throws anything else.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  FarmMessageError,
  decodeFarmRequest,
  decodeFarmResponse,
  encodeFarm,
} from '../../../main/core/farming/index.ts'
import type { FarmRequest, FarmResponse } from '../../../main/core/farming/index.ts'
import {
  MAX_BATCHED_RECEIPTS,
  MAX_HANDED_ROWS,
  MAX_FARM_MESSAGE_BYTES,
} from '../../../main/core/farming/messages.ts'
import {
  FarmRequest as WireRequest,
  FarmResponse as WireResponse,
} from '../../../main/core/farming/pb/farm.js'

const peer = '12D3KooWA8fcQmP9hnNXD4df3HBcgtfyW5LBfSVyHfhi3tTe8qS5'
const receipt = {
  chunk: 'ab'.repeat(32),
  vault: peer,
  client: peer,
  at: 1_700_000_000_000,
  nonce: 'cd'.repeat(16),
  slot: 3,
  signature: 'ef'.repeat(64),
  vouches: [{ peer, signature: '0f'.repeat(64) }],
}
const valid: FarmRequest[] = [
  { t: 'prove', chunk: 'ab'.repeat(32), nonce: '01'.repeat(32) },
  { t: 'receipt', receipt },
  {
    t: 'receipts',
    receipts: [
      { ...receipt, vouches: [] },
      { ...receipt, slot: 4, vouches: [] },
    ],
  },
  { t: 'claim', receipt, owner: '02'.repeat(32), vouches: [] },
  {
    t: 'claim',
    receipt: { ...receipt, developer: '1d'.repeat(32) },
    owner: '1d'.repeat(32),
    vouches: [{ peer, signature: '1e'.repeat(64) }],
  },
  { t: 'transfer', id: '03'.repeat(32), to: '04'.repeat(32), seq: 2, auth: '05'.repeat(64) },
  { t: 'coin', id: '06'.repeat(32) },
  {
    t: 'adopt',
    proof: { id: '0a'.repeat(32), owner: '0b'.repeat(32), seq: 7, signatures: [] },
  },
  {
    t: 'deliver',
    proof: {
      id: '07'.repeat(32),
      owner: '08'.repeat(32),
      seq: 1,
      signatures: [{ peer, signature: '09'.repeat(64) }],
    },
  },
  { t: 'inbox', owner: '0d'.repeat(32), skip: 0 },
  { t: 'inbox', owner: '0e'.repeat(32), skip: 24 },
  { t: 'vouch', period: 472_222 },
  { t: 'back', account: '1a'.repeat(32), period: 472_222 },
  {
    t: 'grant',
    account: '1b'.repeat(32),
    period: 472_222,
    leaves: new Uint8Array(36 * 3).fill(7),
    auth: '1c'.repeat(64),
    backs: [{ peer, signature: '1e'.repeat(64), held: 3 * 2 ** 40 + 17 }],
  },
  { t: 'balance', account: '1f'.repeat(32), period: 472_222, backs: [] },
  {
    t: 'balance',
    account: '1f'.repeat(32),
    period: 472_222,
    backs: [{ peer, signature: '1d'.repeat(64), held: 0 }],
  },
  { t: 'rows', ids: ['2a'.repeat(32), '2b'.repeat(32)] },
]

function onlyNamedErrors(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof FarmMessageError, `unexpected ${(err as Error).name}: ${(err as Error).message}`)
  }
}

test('well-formed farm requests round-trip', () => {
  for (const m of valid) assert.deepEqual(decodeFarmRequest(encodeFarm(m)), m)
})

test('batched receipts carry no vouches, and no more than the limit', () => {
  const loser = { ...receipt, vouches: [] }
  assert.throws(
    () => decodeFarmRequest(encodeFarm({ t: 'receipts', receipts: [loser, receipt] })),
    FarmMessageError,
  )
  assert.throws(() => decodeFarmRequest(encodeFarm({ t: 'receipts', receipts: [] })), FarmMessageError)
  const many = Array.from({ length: MAX_BATCHED_RECEIPTS + 1 }, () => loser)
  assert.throws(() => decodeFarmRequest(encodeFarm({ t: 'receipts', receipts: many })), FarmMessageError)
  const full = Array.from({ length: MAX_BATCHED_RECEIPTS }, () => loser)
  const encoded = encodeFarm({ t: 'receipts', receipts: full })
  assert.ok(encoded.byteLength <= MAX_FARM_MESSAGE_BYTES, `${encoded.byteLength} bytes`)
  assert.equal((decodeFarmRequest(encoded) as { receipts: unknown[] }).receipts.length, MAX_BATCHED_RECEIPTS)
})

test('a grant whose batch is not whole leaves, or too many, is malformed', () => {
  const grant = valid.find((m) => m.t === 'grant')!
  for (const leaves of [new Uint8Array(35), new Uint8Array(0), new Uint8Array(36 * 257)])
    assert.throws(() => decodeFarmRequest(encodeFarm({ ...grant, leaves })), FarmMessageError)
  const back = WireRequest.encode({ type: WireRequest.Type.BACK, period: 1, account: new Uint8Array(31) })
  assert.throws(() => decodeFarmRequest(back), FarmMessageError)
})

test('a hand-over of coin rows names 1 to 256 ids of 32 bytes', () => {
  const { ROWS } = WireRequest.Type
  for (const ids of [[], [new Uint8Array(31)], [new Uint8Array(32), new Uint8Array(33)]])
    assert.throws(() => decodeFarmRequest(WireRequest.encode({ type: ROWS, ids })), FarmMessageError)
  const most = Array.from({ length: MAX_HANDED_ROWS }, (_, i) => i.toString(16).padStart(64, '0'))
  const encoded = encodeFarm({ t: 'rows', ids: most })
  assert.ok(encoded.byteLength <= MAX_FARM_MESSAGE_BYTES, `${encoded.byteLength} bytes`)
  assert.equal((decodeFarmRequest(encoded) as { ids: string[] }).ids.length, MAX_HANDED_ROWS)
  assert.throws(
    () => decodeFarmRequest(encodeFarm({ t: 'rows', ids: [...most, 'ff'.repeat(32)] })),
    FarmMessageError,
  )
})

test('a receipt whose developer wallet is not 32 bytes is malformed', () => {
  for (const developer of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
    const wire = WireRequest.encode({
      type: WireRequest.Type.RECEIPT,
      receipt: {
        chunk: new Uint8Array(32),
        vault: peer,
        client: peer,
        at: 1,
        nonce: new Uint8Array(16),
        signature: new Uint8Array(64),
        slot: 0,
        vouches: [],
        developer,
      },
    })
    assert.throws(() => decodeFarmRequest(wire), FarmMessageError)
  }
})

test('well-formed farm responses round-trip', () => {
  const responses: FarmResponse[] = [
    { s: 'ok' },
    { s: 'ok', digest: '0a'.repeat(32) },
    { s: 'ok', signature: '0b'.repeat(64), owner: '0c'.repeat(32), seq: 3 },
    { s: 'ok', signature: '0b'.repeat(64), used: 3 * 2 ** 30, allowance: 2 ** 40 },
    { s: 'ok', signature: '0b'.repeat(64), held: 5 * 2 ** 32 },
    { s: 'missing' },
    { s: 'unknown' },
    { s: 'refused', reason: 'not in the coin group' },
    {
      s: 'ok',
      proofs: [
        {
          id: '11'.repeat(32),
          owner: '12'.repeat(32),
          seq: 2,
          signatures: [{ peer, signature: '13'.repeat(64) }],
        },
        { id: '14'.repeat(32), owner: '12'.repeat(32), seq: 1, signatures: [] },
      ],
    },
  ]
  for (const m of responses) assert.deepEqual(decodeFarmResponse(encodeFarm(m)), m)
})

test('random bytes and mutated messages give only FarmMessageInvalid', () => {
  const seeds = [...valid.map(encodeFarm), encodeFarm({ s: 'ok', signature: '0b'.repeat(64), seq: 2 })]
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 6 }))
    .map(([seed, at, xor, cut]) =>
      Uint8Array.from(seed, (b, i) => (i === at % seed.length ? b ^ xor : b)).subarray(0, seed.length - cut),
    )
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated), (bytes) => {
      onlyNamedErrors(() => decodeFarmRequest(bytes))
      onlyNamedErrors(() => decodeFarmResponse(bytes))
    }),
    { numRuns: 3000 },
  )
  assert.throws(() => decodeFarmRequest(Buffer.alloc(20_000, 32)), FarmMessageError)
  const { Type } = WireRequest
  const wireReceipt = {
    chunk: Buffer.from(receipt.chunk, 'hex'),
    vault: peer,
    client: peer,
    at: receipt.at,
    nonce: Buffer.from(receipt.nonce, 'hex'),
    slot: 0,
    signature: Buffer.from(receipt.signature, 'hex'),
    vouches: [],
  }
  const proof = { id: new Uint8Array(32), owner: new Uint8Array(32), seq: 1 }
  const hostile = [
    WireRequest.encode({ type: Type.UNKNOWN }),
    WireRequest.encode({ type: Type.RECEIPT }),
    WireRequest.encode({ type: Type.RECEIPT, receipt: { ...wireReceipt, vault: 'not a peer id' } }),
    WireRequest.encode({ type: Type.RECEIPT, receipt: { ...wireReceipt, nonce: new Uint8Array(15) } }),
    WireRequest.encode({ type: Type.RECEIPT, receipt: { ...wireReceipt, at: 0 } }),
    WireRequest.encode({ type: Type.RECEIPT, receipt: { ...wireReceipt, slot: 70_000 } }),
    // a vouch that is not a signature, more vouches than a receipt may carry, a vouch for no period
    WireRequest.encode({
      type: Type.RECEIPT,
      receipt: { ...wireReceipt, vouches: [{ peer, signature: new Uint8Array(63) }] },
    }),
    WireRequest.encode({
      type: Type.CLAIM,
      owner: new Uint8Array(32),
      receipt: {
        ...wireReceipt,
        vouches: Array.from({ length: 17 }, () => ({ peer, signature: new Uint8Array(64) })),
      },
    }),
    WireRequest.encode({ type: Type.VOUCH, period: 0 }),
    WireRequest.encode({ type: Type.PROVE, chunk: new Uint8Array(32), nonce: new Uint8Array(31) }),
    WireRequest.encode({
      type: Type.TRANSFER,
      id: new Uint8Array(32),
      to: new Uint8Array(32),
      seq: 0,
      auth: new Uint8Array(64),
    }),
    WireRequest.encode({ type: Type.DELIVER, proof: { ...proof, seq: 0, signatures: [] } }),
    WireRequest.encode({
      type: Type.ADOPT,
      proof: {
        ...proof,
        signatures: Array.from({ length: 9 }, () => ({ peer, signature: new Uint8Array(64) })),
      },
    }),
    WireRequest.encode({ type: Type.INBOX, owner: new Uint8Array(31) }),
    WireRequest.encode({ type: Type.INBOX, owner: new Uint8Array(32), skip: 5000 }),
    // a back's held bytes that are no byte count
    ...[-1, 0.5, 2 ** 53, Number.NaN].map((held) =>
      WireRequest.encode({
        type: Type.BALANCE,
        account: new Uint8Array(32),
        period: 5,
        backs: [{ peer, signature: new Uint8Array(64), held }],
      }),
    ),
  ]
  for (const body of hostile) assert.throws(() => decodeFarmRequest(body), FarmMessageError)
  const manyProofs = Array.from({ length: 13 }, () => ({ ...proof, signatures: [] }))
  const { Status } = WireResponse
  for (const body of [
    WireResponse.encode({ status: Status.OK, digest: new Uint8Array(31) }),
    WireResponse.encode({ status: Status.OK, seq: 0 }),
    WireResponse.encode({ status: Status.OK, held: -5 }),
    WireResponse.encode({ status: Status.REFUSED, reason: 'x'.repeat(201) }),
    Uint8Array.of(0x08, 9),
    // more proofs than an inbox page holds, and a proof that is not one
    WireResponse.encode({ status: Status.OK, proofs: manyProofs }),
    WireResponse.encode({ status: Status.OK, proofs: [{ ...proof, seq: 0, signatures: [] }] }),
  ])
    assert.throws(() => decodeFarmResponse(body), FarmMessageError)
})
