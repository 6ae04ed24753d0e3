// The sealed session packet: it opens only with its key at its location, and
// any change to it is refused.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import {
  SEALED_PACKET_BYTES,
  newAccountKeys,
  openPacket,
  sealPacket,
  wipeKeys,
} from '../../../main/core/account/index.ts'

test('a sealed packet opens with its key at its location and with nothing else', () => {
  const keys = newAccountKeys()
  const sealKey = randomBytes(32)
  const location = randomBytes(32)
  const sealed = sealPacket(keys, sealKey, location)
  assert.equal(sealed.byteLength, SEALED_PACKET_BYTES)
  assert.deepEqual(openPacket(sealed, sealKey, location), keys)
  assert.equal(openPacket(sealed, randomBytes(32), location), undefined, 'another key')
  assert.equal(openPacket(sealed, sealKey, randomBytes(32)), undefined, 'copied to another location')
  for (const at of [0, 23, 24, 60, sealed.byteLength - 1]) {
    const tampered = Uint8Array.from(sealed)
    tampered[at]! ^= 1
    assert.equal(openPacket(tampered, sealKey, location), undefined, `byte ${at} flipped`)
  }
  assert.equal(openPacket(sealed.subarray(1), sealKey, location), undefined, 'truncated')
  assert.equal(openPacket(new Uint8Array(0), sealKey, location), undefined, 'empty (a retired location)')
})

test('two seals of the same keys differ (a fresh nonce each time), and wiping zeroes every key', () => {
  const keys = newAccountKeys()
  const sealKey = randomBytes(32)
  const location = randomBytes(32)
  assert.notDeepEqual(sealPacket(keys, sealKey, location), sealPacket(keys, sealKey, location))
  wipeKeys(keys)
  for (const k of Object.values(keys)) assert.ok(k.every((b: number) => b === 0))
})
