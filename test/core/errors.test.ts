// A failure keeps a name wherever only its name is kept, whatever was thrown.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { failureName, PeerDriveError } from '../../main/core/errors.ts'
import { placeCopies } from '../../main/core/net/place-copies.ts'
import { vaultPeer } from '../../main/core/net/vault-peer.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

test('an Error is named by its name, anything else by what it is, and nothing is left undefined', () => {
  assert.equal(failureName(new PeerDriveError('VaultFull', 'full')), 'VaultFull')
  assert.equal(failureName(new TypeError('x')), 'TypeError')
  assert.equal(failureName(new Event('abort')), 'Event')
  assert.equal(failureName({ name: 'StreamResetError' }), 'StreamResetError')
  assert.equal(failureName(undefined), 'unknown failure')
  assert.equal(failureName(null), 'unknown failure')
  assert.equal(failureName('closed'), 'closed')
})

test('an offer that fails with no Error leaves a named refusal, so callers can read every reason', async () => {
  const peers = await Promise.all(
    [1, 2].map(async () => vaultPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))),
  )
  const placed = await placeCopies(peers, 2, (peer) =>
    peer === peers[0] ? Promise.reject(new Event('close')) : Promise.reject(undefined),
  )
  assert.deepEqual(placed.holders, [])
  assert.deepEqual(placed.reasons.sort(), ['Event', 'unknown failure'])
})
