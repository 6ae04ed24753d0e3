// The record format, signatures and addresses, with fuzzing of the decoder.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  MAX_NAME_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_RECORD_BYTES,
  MAX_VERSION,
  OwnerKey,
  addressOf,
  compareRecords,
  decodeRecord,
  encodeRecord,
  recordAddress,
  signRecord,
  verifyRecord,
} from '../../../main/core/records/index.ts'
import type { SignedRecord } from '../../../main/core/records/index.ts'
import { RECORD_ADDRESS_DOMAIN } from '../../../main/core/records/domains.ts'

const key = OwnerKey.generate()

test('a record round-trips through its encoding and verifies', () => {
  const record = signRecord(key, { name: 'drive-root', version: 7, payload: randomBytes(300) })
  assert.equal(record.version, 7n)
  assert.deepEqual(record.owner, key.publicKey)
  const bytes = encodeRecord(record)
  assert.equal(bytes.byteLength, 1 + 32 + 1 + 10 + 8 + 4 + 300 + 64)
  const decoded = decodeRecord(bytes)
  assert.deepEqual(decoded, record)
  assert.ok(verifyRecord(decoded))
  assert.deepEqual(encodeRecord(decoded), bytes)
})

test('an owner key is the key its 32-byte seed determines (RFC 8032 test 1)', () => {
  const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
  const owner = OwnerKey.fromSeed(seed)
  assert.equal(
    Buffer.from(owner.publicKey).toString('hex'),
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  )
  assert.equal(
    Buffer.from(owner.sign(new Uint8Array(0))).toString('hex'),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  )
  assert.deepEqual(Buffer.from(owner.exportSeed()), seed)
  const again = OwnerKey.fromSeed(key.exportSeed())
  assert.deepEqual(again.publicKey, key.publicKey)
  const record = signRecord(again, { name: 'x', version: 1 })
  assert.ok(verifyRecord(record))
  assert.throws(() => OwnerKey.fromSeed(new Uint8Array(31)), TypeError)
})

test('a change to any field, or another owner key, breaks the signature', () => {
  const record = signRecord(key, { name: 'root', version: 3, payload: Buffer.from('hello') })
  const other = OwnerKey.generate()
  const variants: SignedRecord[] = [
    { ...record, name: Buffer.from('roof') },
    { ...record, version: 4n },
    { ...record, payload: Buffer.from('hellO') },
    { ...record, owner: other.publicKey },
    { ...record, signature: Uint8Array.from(record.signature, (b, i) => (i === 0 ? b ^ 1 : b)) },
    { ...record, signature: signRecord(other, record).signature },
  ]
  for (const variant of variants) assert.equal(verifyRecord(variant), false)
  // an owner "key" that is not a curve point, and fields of the wrong types, are just unverifiable
  assert.equal(verifyRecord({ ...record, owner: new Uint8Array(32).fill(0xff) }), false)
  assert.equal(verifyRecord({ ...record, version: 3 as unknown as bigint }), false)
  assert.equal(verifyRecord({ ...record, signature: new Uint8Array(63) }), false)
})

test('the address is SHA-256 of the domain, the owner and the name, and nothing else', () => {
  const a = signRecord(key, { name: 'root', version: 1, payload: Buffer.from('a') })
  const b = signRecord(key, { name: 'root', version: 2, payload: Buffer.from('b') })
  assert.deepEqual(addressOf(a), addressOf(b))
  const expected = createHash('sha256')
    .update(RECORD_ADDRESS_DOMAIN)
    .update(key.publicKey)
    .update('root')
    .digest()
  assert.deepEqual(Buffer.from(addressOf(a)), expected)
  assert.deepEqual(recordAddress(key.publicKey, Buffer.from('root')), addressOf(a))
  assert.notDeepEqual(recordAddress(key.publicKey, 'root2'), addressOf(a))
  assert.notDeepEqual(recordAddress(OwnerKey.generate().publicKey, 'root'), addressOf(a))
  assert.equal(addressOf(a).byteLength, 32)
})

test('oversize or out-of-range fields are RecordInvalid when signing and when decoding', () => {
  const bad = [
    { name: '', version: 1 },
    { name: 'n'.repeat(MAX_NAME_BYTES + 1), version: 1 },
    { name: 'n', version: -1 },
    { name: 'n', version: 1.5 },
    { name: 'n', version: MAX_VERSION + 1n },
    { name: 'n', version: 1, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) },
  ]
  for (const fields of bad) assert.throws(() => signRecord(key, fields), { name: 'RecordInvalid' })
  // the limits themselves are legal
  const largest = signRecord(key, {
    name: 'n'.repeat(MAX_NAME_BYTES),
    version: MAX_VERSION,
    payload: new Uint8Array(MAX_PAYLOAD_BYTES),
  })
  assert.equal(encodeRecord(largest).byteLength, MAX_RECORD_BYTES)
  assert.deepEqual(decodeRecord(encodeRecord(largest)), largest)

  const good = Buffer.from(
    encodeRecord(signRecord(key, { name: 'n', version: 1, payload: Buffer.from('p') })),
  )
  const patched = (at: number, value: number) => {
    const copy = Buffer.from(good)
    copy[at] = value
    return copy
  }
  const malformed = [
    new Uint8Array(0),
    good.subarray(0, good.length - 1),
    Buffer.concat([good, Uint8Array.of(0)]),
    patched(0, 2), // unknown format
    patched(33, 0), // empty name
    patched(33, MAX_NAME_BYTES + 1),
    patched(33, 2), // name length that does not match the fields after it
    patched(33 + 1 + 1 + 8 + 3, 2), // payload length one more than present
    Buffer.concat([good.subarray(0, 43), Buffer.from([0, 1, 0, 1]), Buffer.alloc(65537 + 64)]), // payload over the limit
    Buffer.alloc(MAX_RECORD_BYTES + 1),
  ]
  for (const bytes of malformed) assert.throws(() => decodeRecord(bytes), { name: 'RecordInvalid' })
  assert.throws(() => encodeRecord({ ...largest, signature: new Uint8Array(10) }), { name: 'RecordInvalid' })
})

test('a higher version supersedes; at one version the larger encoding wins, the same way for everyone', () => {
  const v1 = signRecord(key, { name: 'r', version: 1 })
  const v2 = signRecord(key, { name: 'r', version: 2 })
  const v2b = signRecord(key, { name: 'r', version: 2, payload: Buffer.from('other') })
  assert.ok(compareRecords(v2, v1) > 0)
  assert.ok(compareRecords(v1, v2) < 0)
  assert.equal(compareRecords(v2, v2), 0)
  assert.equal(Math.sign(compareRecords(v2, v2b)), -Math.sign(compareRecords(v2b, v2)))
  assert.notEqual(compareRecords(v2, v2b), 0)
})

const recordFields = fc.record({
  name: fc.uint8Array({ minLength: 1, maxLength: MAX_NAME_BYTES }),
  version: fc.bigInt({ min: 0n, max: MAX_VERSION }),
  payload: fc.uint8Array({ maxLength: 3000 }),
})

test('fuzz: every legal record round-trips and verifies; its encoding is canonical', () => {
  fc.assert(
    fc.property(recordFields, (fields) => {
      const record = signRecord(key, fields)
      const bytes = encodeRecord(record)
      const decoded = decodeRecord(bytes)
      assert.deepEqual(decoded, record)
      assert.ok(verifyRecord(decoded))
      assert.deepEqual(encodeRecord(decoded), bytes)
    }),
    { numRuns: 200 },
  )
})

test('fuzz: any bytes decode to a record or fail with RecordInvalid, never anything else', () => {
  const good = encodeRecord(signRecord(key, { name: 'n', version: 9, payload: Buffer.from('payload') }))
  const mutated = fc
    .tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }))
    .map(([at, xor]) => Uint8Array.from(good, (b, i) => (i === at ? b ^ xor : b)))
  const arbitrary = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc.uint8Array({ maxLength: 400 }).map((tail) => Buffer.concat([Uint8Array.of(1), tail])),
    mutated,
  )
  fc.assert(
    fc.property(arbitrary, (bytes) => {
      let record: SignedRecord
      try {
        record = decodeRecord(bytes)
      } catch (err) {
        assert.equal((err as Error).name, 'RecordInvalid', String(err))
        return
      }
      // what decodes re-encodes to the very same bytes
      assert.deepEqual(Buffer.from(encodeRecord(record)), Buffer.from(bytes))
    }),
    { numRuns: 2000 },
  )
  // a changed byte anywhere in a signed record never leaves it valid
  fc.assert(
    fc.property(mutated, (bytes) => {
      try {
        assert.equal(verifyRecord(decodeRecord(bytes)), false)
      } catch (err) {
        assert.equal((err as Error).name, 'RecordInvalid', String(err))
      }
    }),
    { numRuns: 1000 },
  )
})
