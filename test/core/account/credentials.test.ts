// Credentials: every part matters, bad ones are refused with a reason, and
// the production cost is what docs/ACCOUNT.md says.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_KDF, checkCredentials, deriveKeys } from '../../../main/core/account/index.ts'
import { TEST_KDF } from './support.ts'

const creds = { keyword: 'lighthouse', pin: '4812', password: 'correct horse battery' }

test('the same credentials derive the same keys; changing any part changes all of them', async () => {
  const a = await deriveKeys(creds, TEST_KDF)
  assert.deepEqual(await deriveKeys(creds, TEST_KDF), a)
  for (const other of [
    { ...creds, keyword: 'lighthousE' },
    { ...creds, pin: '4813' },
    { ...creds, password: 'correct horse battery!' },
    // the keyword is length-prefixed: moving characters between keyword and PIN is another account
    { ...creds, keyword: 'lighthouse4', pin: '812' + '0' },
  ]) {
    const b = await deriveKeys(other, TEST_KDF)
    assert.notDeepEqual(b.location, a.location)
    assert.notDeepEqual(b.sealKey, a.sealKey)
    assert.notDeepEqual(b.signSeed, a.signSeed)
  }
  assert.notDeepEqual(a.sealKey, a.signSeed, 'seal and signing keys are separate')
})

test('credentials that cannot make an account are refused with the reason', () => {
  assert.throws(() => checkCredentials({ ...creds, keyword: 'abc' }), /keyword must be at least 4/)
  assert.throws(() => checkCredentials({ ...creds, pin: '12' }), /PIN must be 4 to 12 digits/)
  assert.throws(() => checkCredentials({ ...creds, pin: '12a4' }), /PIN must be 4 to 12 digits/)
  assert.throws(() => checkCredentials({ ...creds, password: 'short' }), /password must be at least 8/)
  assert.doesNotThrow(() => checkCredentials(creds))
})

test('the production cost is argon2id with 256 MiB, 3 passes, 1 lane, and it derives', async () => {
  assert.deepEqual({ ...ACCOUNT_KDF }, { memoryKiB: 262_144, passes: 3, parallelism: 1 })
  const real = await deriveKeys(creds)
  assert.notDeepEqual(real.location, (await deriveKeys(creds, TEST_KDF)).location)
  assert.equal(real.location.byteLength, 32)
})
