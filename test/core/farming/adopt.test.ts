// A coin's row is taken from a proof only when the coin's group does not hold
// rows that contradict it: ids ground near a coin, signing it over to a thief
// at a higher sequence, are refused by members that know the coin, while a
// member that does not know it still takes the row the group holds.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { statementBytes } from '../../../main/core/farming/coin.ts'
import type { CoinProof } from '../../../main/core/farming/coin.ts'
import { identitySigner } from '../../../main/core/farming/signing.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { startNodes } from '../net/support.ts'

const sign = (
  node: { identity: { sign(b: Uint8Array): Uint8Array } },
  id: string,
  owner: string,
  seq: number,
) => Buffer.from(node.identity.sign(statementBytes(id, owner, seq))).toString('hex')

test('a proof signed by ids made near a coin does not move it past its group; a newcomer still takes the group’s row', async (t) => {
  const nodes = await startNodes(t, 8)
  const byKey = new Map(nodes.map((n) => [n.peers.self.key, n]))
  const id = randomBytes(32).toString('hex')
  const group = nodes[0]!.farmer.validator.group(id).map((p) => byKey.get(p.key)!)
  assert.equal(group.length, 4)
  const owner = randomBytes(32).toString('hex')
  const [newcomer, ...holders] = group as [PeerDriveNode, ...PeerDriveNode[]]
  // the coin was minted to `owner` by three of its group; the fourth member has no row yet
  for (const h of holders) assert.ok(h.farmer.db.mint(id, owner))
  const minted: CoinProof = {
    id,
    owner,
    seq: 1,
    signatures: holders.map((h) => ({ peer: h.peers.self.key, signature: sign(h, id, owner, 1) })),
  }

  // throwaway ids that fall near the coin (cheap to find) sign it over to a thief
  const thief = randomBytes(32).toString('hex')
  const forgers: { peer: string; signature: string }[] = []
  for (let tries = 0; forgers.length < 3 && tries < 10_000; tries++) {
    const key = await generateKeyPair('Ed25519')
    const peer = peerIdFromPrivateKey(key).toString()
    if (!holders[0]!.farmer.validator.near(id, peer)) continue
    forgers.push({ peer, signature: sign({ identity: identitySigner(key) }, id, thief, 2) })
  }
  assert.equal(forgers.length, 3, 'three ids near the coin were made')
  const forged: CoinProof = { id, owner: thief, seq: 2, signatures: forgers }
  for (const h of holders) {
    const res = await h.farmer.answer({ t: 'adopt', proof: forged }, newcomer.peers.self.key)
    assert.deepEqual(res, { s: 'refused', reason: "the coin's group holds another row for it" })
    assert.deepEqual(h.farmer.validator.coin(id), { s: 'ok', owner, seq: 1 })
  }
  // nor does the member that knows nothing take it: the others outnumber the proof
  assert.equal(
    (await newcomer.farmer.answer({ t: 'adopt', proof: forged }, holders[0]!.peers.self.key)).s,
    'refused',
  )
  assert.deepEqual(newcomer.farmer.validator.coin(id), { s: 'unknown' })

  // the genuine proof is taken by the member that had no row
  assert.deepEqual(await newcomer.farmer.answer({ t: 'adopt', proof: minted }, holders[0]!.peers.self.key), {
    s: 'ok',
  })
  assert.deepEqual(newcomer.farmer.validator.coin(id), { s: 'ok', owner, seq: 1 })
})
