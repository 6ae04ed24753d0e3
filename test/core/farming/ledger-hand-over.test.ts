// Stale coin rows after group churn: when a member of a coin's group
// leaves, the next closest vault joins the group with no row. The members
// that remain tell it which coins they keep, and it takes the row a
// majority of them hold, before anyone presents the coin's proof to it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LedgerHandOver } from '../../../main/core/farming/ledger-hand-over.ts'
import type { FarmRequest, FarmResponse } from '../../../main/core/farming/messages.ts'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { startNodes, waitFor } from '../net/support.ts'
import { EVERY_GET_WINS, farm } from './support.ts'

test("a vault that joins a coin's group after a member left takes the coin's row from the members that remain", async (t) => {
  const nodes = await startNodes(t, 10, { farming: EVERY_GET_WINS })
  const vault = nodes[0]!
  await farm(vault, nodes.slice(1), 1)
  const [coin] = vault.farmer.db.ownedCoins(vault.farmer.walletId)
  const holders = nodes.filter((n) => n.farmer.db.ledgerRow(coin!.id))
  assert.ok(holders.length >= 3, `${holders.length} members keep the row`)

  const leaving = holders.find((n) => n !== vault)!
  await leaving.stop()
  const remaining = nodes.filter((n) => n !== leaving)
  await waitFor(
    () => remaining.every((n) => !n.peers.list().some((p) => p.key === leaving.peers.self.key)),
    60_000,
    'the member that left to be noticed',
  )
  const group = closeGroup(Buffer.from(coin!.id, 'hex'), vault.peers.withSelf(), 4)
  const newcomer = remaining.find(
    (n) => group.some((p) => p.key === n.peers.self.key) && !holders.includes(n),
  )
  assert.ok(newcomer, 'a vault without the row is in the group now')
  await waitFor(
    () => newcomer.farmer.db.ledgerRow(coin!.id) !== undefined,
    120_000,
    'the newcomer to take the row',
  )
  const row = newcomer.farmer.db.ledgerRow(coin!.id)!
  assert.equal(row.owner, coin!.owner)
  assert.equal(row.seq, coin!.seq)
})

/** A member of one coin's group, in memory: what LedgerHandOver asks and is told. */
function twin(rows: Map<string, { owner: string; seq: number }>, answers: Map<string, FarmResponse>) {
  const peer = (key: string) => ({ key }) as VaultPeer
  const group = ['self', 'a', 'b', 'c'].map(peer)
  const asked: string[] = []
  const handOver = new LedgerHandOver({
    self: () => peer('self'),
    db: {
      ledgerIds: () => [...rows.keys()],
      ledgerRow: (id) => {
        const r = rows.get(id)
        return r ? { id, ...r } : undefined
      },
      adopt: (id, owner, seq) => (rows.set(id, { owner, seq }), true),
    },
    group: () => group,
    near: (_hex, key) => group.some((p) => p.key === key),
    ask: async (p: VaultPeer, req: FarmRequest) => {
      asked.push(`${p.key}:${req.t}`)
      return answers.get(p.key) ?? { s: 'unknown' }
    },
  })
  return { handOver, asked }
}

test('a row is taken only when a majority of the other members hold it, and never on the word of a far teller', async () => {
  const id = 'ab'.repeat(32)
  const at = (owner: string, seq: number): FarmResponse => ({ s: 'ok', owner, seq })
  // two of three agree: taken
  let rows = new Map<string, { owner: string; seq: number }>()
  let m = twin(
    rows,
    new Map([
      ['a', at('o1', 3)],
      ['b', at('o1', 3)],
      ['c', at('o2', 4)],
    ]),
  )
  assert.equal(await m.handOver.take([id], 'a'), 1)
  assert.deepEqual(rows.get(id), { owner: 'o1', seq: 3 })
  // one member alone (the others know nothing): not taken
  rows = new Map()
  m = twin(rows, new Map([['a', at('o9', 7)]]))
  assert.equal(await m.handOver.take([id], 'a'), 0)
  assert.equal(rows.size, 0)
  // members that disagree, one each, make no majority
  rows = new Map()
  m = twin(
    rows,
    new Map([
      ['a', at('o1', 3)],
      ['b', at('o2', 4)],
    ]),
  )
  assert.equal(await m.handOver.take([id], 'a'), 0)
  // a row held already is not asked about again
  rows = new Map([[id, { owner: 'o1', seq: 3 }]])
  m = twin(
    rows,
    new Map([
      ['a', at('o5', 9)],
      ['b', at('o5', 9)],
    ]),
  )
  assert.equal(await m.handOver.take([id], 'a'), 0)
  assert.deepEqual(rows.get(id), { owner: 'o1', seq: 3 })
  // told of the same coin again at once, the vault asks nobody again
  rows = new Map()
  m = twin(rows, new Map([['a', at('o1', 3)]]))
  assert.equal(await m.handOver.take([id], 'a'), 0)
  const asked = m.asked.length
  assert.equal(await m.handOver.take([id], 'b'), 0)
  assert.equal(m.asked.length, asked, 'no second round of questions within the minute')
  // a teller that is not near the coin is not even followed up
  rows = new Map()
  m = twin(
    rows,
    new Map([
      ['a', at('o1', 3)],
      ['b', at('o1', 3)],
    ]),
  )
  assert.equal(await m.handOver.take([id], 'stranger'), 0)
  assert.deepEqual(m.asked, [])
})
