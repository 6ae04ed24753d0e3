// The developer's share of coins minted on an app's reads: decided by the
// coin id alone, so it cannot be ground, and signed into the receipt, so a
// vault cannot strip or change it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DEVELOPER_SHARE,
  coinIdOf,
  developerShareFalls,
  receiptSignatureValid,
  signReceipt,
} from '../../../main/core/farming/index.ts'
import { identitySigner } from '../../../main/core/farming/signing.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

test('about a tenth of coin ids fall to the developer, the same answer every time', () => {
  let falls = 0
  const n = 20_000
  for (let slot = 0; slot < n; slot++) {
    const id = coinIdOf({ client: 'client', at: 0, slot })
    const share = developerShareFalls(id, DEVELOPER_SHARE)
    assert.equal(developerShareFalls(id, DEVELOPER_SHARE), share)
    if (share) falls++
  }
  // binomial: sd = sqrt(n p (1 - p)) ≈ 42, so this is five sd either side
  assert.ok(Math.abs(falls - n * DEVELOPER_SHARE) < 212, `${falls} of ${n}`)
  assert.equal(developerShareFalls(coinIdOf({ client: 'c', at: 0, slot: 1 }), 0), false)
  assert.equal(developerShareFalls(coinIdOf({ client: 'c', at: 0, slot: 1 }), 1), true)
})

test('the developer wallet is part of what the client signs; a receipt without one verifies as before', async () => {
  const privateKey = await generateKeyPair('Ed25519')
  const key = identitySigner(privateKey)
  const client = peerIdFromPrivateKey(privateKey).toString()
  const fields = { chunk: 'ab'.repeat(32), vault: client, client }
  const plain = signReceipt(key, fields)
  assert.equal(plain.developer, undefined)
  assert.equal(receiptSignatureValid(plain), true)
  const forApp = signReceipt(key, { ...fields, developer: 'cd'.repeat(32) })
  assert.equal(receiptSignatureValid(forApp), true)
  assert.equal(receiptSignatureValid({ ...forApp, developer: 'ce'.repeat(32) }), false, 'changed')
  const { developer: _stripped, ...stripped } = forApp
  assert.equal(receiptSignatureValid(stripped), false, 'stripped')
})
