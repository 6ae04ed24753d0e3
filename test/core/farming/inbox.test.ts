// The coin inbox with an in-memory group: what a member keeps, how a wallet
// collects page by page, and that a proof without a quorum is not kept.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CoinInbox, inboxKey } from '../../../main/core/farming/inbox.ts'
import { FarmDb } from '../../../main/core/farming/farm-db.ts'
import type { CoinProof } from '../../../main/core/farming/coin.ts'
import { statementBytes } from '../../../main/core/farming/coin.ts'
import { vaultPeer } from '../../../main/core/net/peer-table.ts'
import type { VaultPeer } from '../../../main/core/net/peer-table.ts'
import { tempDir } from '../../helpers.ts'

const owner = 'aa'.repeat(32)

async function signers(n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const key = await generateKeyPair('Ed25519')
      return { key, peer: vaultPeer(peerIdFromPrivateKey(key)) }
    }),
  )
}

async function proofOf(id: string, seq: number, by: Awaited<ReturnType<typeof signers>>): Promise<CoinProof> {
  const signatures = await Promise.all(
    by.map(async (s) => ({
      peer: s.peer.key,
      signature: Buffer.from(await s.key.sign(statementBytes(id, owner, seq))).toString('hex'),
    })),
  )
  return { id, owner, seq, signatures }
}

function member(
  db: FarmDb,
  self: VaultPeer,
  members: VaultPeer[],
  asks: CoinInbox[],
  groupNow: () => VaultPeer[] = () => members,
): CoinInbox {
  return new CoinInbox({
    self: () => self,
    db,
    lookupGroup: async () => groupNow(),
    group: () => groupNow(),
    // every vault of this small world is near every id
    near: () => true,
    ask: async (peer, req) => {
      const at = asks[members.findIndex((m) => m.key === peer.key)]!
      if (req.t === 'deliver') return at.keep(req.proof)
      if (req.t === 'inbox') return at.answer(req.owner, req.skip)
      throw new Error(`unexpected ${req.t}`)
    },
  })
}

test('a delivery is kept by the inbox group and collected page by page', async (t) => {
  const dir = await tempDir(t)
  const group = await signers(4)
  const members = group.map((g) => g.peer)
  const inboxes: CoinInbox[] = []
  members.forEach((m, i) => inboxes.push(member(new FarmDb(`${dir}/m${i}.db`), m, members, inboxes)))
  const ids = Array.from({ length: 30 }, (_, i) => i.toString(16).padStart(2, '0').repeat(32))
  for (const id of ids) assert.equal(await inboxes[0]!.deliver(await proofOf(id, 2, group.slice(0, 3))), 4)

  const held = new Set<string>()
  const take = (p: CoinProof) => !held.has(p.id) && held.add(p.id) !== undefined
  assert.equal(await inboxes[1]!.collect(owner, take), 30, 'all thirty coins, across three pages')
  assert.equal(await inboxes[1]!.collect(owner, take), 0, 'nothing is news the second time')
  assert.equal(inboxKey(owner).length, 64)
})

test('an inbox member refuses a proof that no quorum signed', async (t) => {
  const dir = await tempDir(t)
  const group = await signers(4)
  const inbox = new CoinInbox({
    self: () => group[0]!.peer,
    db: new FarmDb(`${dir}/m.db`),
    lookupGroup: async () => [],
    group: () => [],
    near: () => true,
    ask: async () => ({ s: 'ok' }),
  })
  const weak = await proofOf('01'.repeat(32), 2, group.slice(0, 1))
  assert.deepEqual(inbox.keep(weak), { s: 'refused', reason: 'the coin proof has no quorum' })
  assert.deepEqual(inbox.answer(owner, 0), { s: 'ok', proofs: [] })
  const forged = { ...(await proofOf('02'.repeat(32), 2, group.slice(0, 3))), seq: 3 }
  assert.equal(inbox.keep(forged).s, 'refused', 'signatures over another sequence do not count')
})

test('deliveries reach a vault that joins the inbox group, told once, and outlive the members that first kept them', async (t) => {
  const dir = await tempDir(t)
  const all = await signers(7)
  const members = all.map((g) => g.peer)
  // the group starts as the first four; then three of them leave and three others take their places
  let group = members.slice(0, 4)
  const inboxes: CoinInbox[] = []
  members.forEach((m, i) =>
    inboxes.push(member(new FarmDb(`${dir}/m${i}.db`), m, members, inboxes, () => group)),
  )
  const ids = Array.from({ length: 5 }, (_, i) => (i + 1).toString(16).padStart(2, '0').repeat(32))
  for (const id of ids) assert.equal(await inboxes[0]!.deliver(await proofOf(id, 2, all.slice(0, 3))), 4)
  // nothing changed: the members already have everything, and each is told once
  assert.equal(await inboxes[0]!.handOver(), 5 * 3)
  assert.equal(await inboxes[0]!.handOver(), 0, 'a group that has not changed costs nothing')

  group = [members[0]!, members[4]!, members[5]!, members[6]!]
  assert.equal(await inboxes[0]!.handOver(), 5 * 3, 'each newcomer is told every delivery')
  assert.equal(await inboxes[0]!.handOver(), 0)
  // the first members are gone: the newcomers alone answer a collect
  group = members.slice(4)
  const held = new Set<string>()
  const take = (p: CoinProof) => !held.has(p.id) && held.add(p.id) !== undefined
  assert.equal(await inboxes[4]!.collect(owner, take), 5)
})
