// The farm protocol's decoders refuse anything malformed with one named
// error, and round-trip what is well-formed: input from the network never
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
import type { FarmRequest } from '../../../main/core/farming/index.ts'

const peer = '12D3KooWA8fcQmP9hnNXD4df3HBcgtfyW5LBfSVyHfhi3tTe8qS5'
const receipt = {
  chunk: 'ab'.repeat(32),
  vault: peer,
  client: peer,
  at: 1_700_000_000_000,
  nonce: 'cd'.repeat(16),
  signature: 'ef'.repeat(64),
}
const valid: FarmRequest[] = [
  { t: 'prove', chunk: 'ab'.repeat(32), nonce: '01'.repeat(32) },
  { t: 'receipt', receipt },
  { t: 'claim', receipt, owner: '02'.repeat(32) },
  { t: 'transfer', id: '03'.repeat(32), to: '04'.repeat(32), seq: 2, auth: '05'.repeat(64) },
  { t: 'coin', id: '06'.repeat(32) },
  {
    t: 'deliver',
    proof: {
      id: '07'.repeat(32),
      owner: '08'.repeat(32),
      seq: 1,
      signatures: [{ peer, signature: '09'.repeat(64) }],
    },
  },
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

test('random bytes and mutated requests give only FarmMessageInvalid', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      onlyNamedErrors(() => decodeFarmRequest(bytes))
      onlyNamedErrors(() => decodeFarmResponse(bytes))
    }),
  )
  fc.assert(
    fc.property(fc.constantFrom(...valid), fc.string({ maxLength: 12 }), fc.anything(), (m, key, value) => {
      const mutated = { ...m, [key]: value }
      onlyNamedErrors(() => decodeFarmRequest(Buffer.from(JSON.stringify(mutated) ?? 'null')))
    }),
  )
  assert.throws(() => decodeFarmRequest(Buffer.alloc(20_000, 32)), FarmMessageError)
  assert.throws(
    () => decodeFarmRequest(encodeFarm({ ...valid[1], receipt: { ...receipt, extra: 1 } } as never)),
    FarmMessageError,
  )
  assert.throws(() => decodeFarmRequest(encodeFarm({ ...valid[3], seq: 0 } as never)), FarmMessageError)
})
