// Storage tickets on their own: Merkle paths for every batch size up to the
// limit, what a changed leaf, length, path or signer does, and the batcher
// that pays for the chunks put together with one grant.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { toHex } from '../../../main/core/chunk-store.ts'
import { identitySigner } from '../../../main/core/farming/signing.ts'
import { TicketBatcher } from '../../../main/core/storage/payer.ts'
import {
  MAX_PATH,
  MAX_TICKET_LEAVES,
  decodeLeaves,
  encodeLeaves,
  grantBytes,
  grantOf,
  merklePath,
  merkleRoot,
  rootFromPath,
  ticketPays,
} from '../../../main/core/storage/ticket.ts'
import type { Leaf, Ticket } from '../../../main/core/storage/ticket.ts'

const leavesOf = (n: number): Leaf[] =>
  Array.from({ length: n }, (_, i) => ({ address: randomBytes(32), size: 1000 + i }))

test('every leaf of every batch size leads up its path to the root, and nothing else does', () => {
  for (const n of [1, 2, 3, 5, 8, 13, 64, 255, MAX_TICKET_LEAVES]) {
    const leaves = leavesOf(n)
    const root = merkleRoot(leaves)
    for (const i of new Set([0, 1, n >> 1, n - 2, n - 1].filter((i) => i >= 0 && i < n))) {
      const path = merklePath(leaves, i)
      assert.ok(path.length <= MAX_PATH)
      assert.deepEqual(rootFromPath(leaves[i]!, i, n, path), root, `leaf ${i} of ${n}`)
      // another length, another index or a shortened path leads elsewhere or nowhere
      const other = rootFromPath({ ...leaves[i]!, size: leaves[i]!.size + 1 }, i, n, path)
      assert.notDeepEqual(other, root)
      if (n > 1) assert.notDeepEqual(rootFromPath(leaves[i]!, (i + 1) % n, n, path), root)
      if (path.length > 0) assert.equal(rootFromPath(leaves[i]!, i, n, path.slice(1)), undefined)
    }
    assert.equal(rootFromPath(leaves[0]!, n, n, merklePath(leaves, 0)), undefined, 'an index past the batch')
  }
  assert.deepEqual(decodeLeaves(encodeLeaves(leavesOf(3)).subarray(0, 36 * 3 - 1)), undefined)
  const three = leavesOf(3)
  assert.deepEqual(
    decodeLeaves(encodeLeaves(three))?.map((l) => l.size),
    [1000, 1001, 1002],
  )
})

async function signer() {
  const key = await generateKeyPair('Ed25519')
  return { peer: peerIdFromPrivateKey(key).toString(), sign: identitySigner(key) }
}

test('a ticket pays only with a quorum of members, for its own chunk, while fresh', async () => {
  const members = await Promise.all([0, 1, 2, 3].map(signer))
  const stranger = await signer()
  const leaves = leavesOf(5)
  const grant = grantOf(toHex(randomBytes(32)), leaves, 1000)
  const sign = (s: Awaited<ReturnType<typeof signer>>) => ({
    peer: s.peer,
    signature: toHex(s.sign.sign(grantBytes(grant))),
  })
  const { root: _root, ...paid } = grant
  const ticket = (signers: Awaited<ReturnType<typeof signer>>[], index = 2): Ticket => ({
    ...paid,
    signatures: signers.map(sign),
    index,
    path: merklePath(leaves, index),
  })
  const isMember = (p: string) => members.some((m) => m.peer === p)
  assert.equal(ticketPays(ticket(members.slice(0, 3)), leaves[2]!, 1000, 2, isMember), undefined)
  // two members and a stranger, or one member three times, are no quorum
  assert.match(
    ticketPays(ticket([...members.slice(0, 2), stranger]), leaves[2]!, 1000, 2, isMember)!,
    /not signed/,
  )
  const once = ticket([members[0]!])
  once.signatures = [once.signatures[0]!, once.signatures[0]!, once.signatures[0]!]
  assert.match(ticketPays(once, leaves[2]!, 1000, 2, isMember)!, /not signed/)
  // another chunk of the same size does not ride on it
  assert.match(
    ticketPays(ticket(members), { address: randomBytes(32), size: leaves[2]!.size }, 1000, 2, isMember)!,
    /not signed by the account's balance group for this chunk/,
  )
  // a ticket from three periods ago has expired; one from the next (clocks differ) has not
  assert.match(ticketPays(ticket(members), leaves[2]!, 1003, 2, isMember)!, /expired/)
  assert.equal(ticketPays(ticket(members), leaves[2]!, 999, 2, isMember), undefined)
})

test('chunks put within the window are paid for with one grant; a refusal reaches each of them', async () => {
  const batches: Leaf[][] = []
  const batcher = new TicketBatcher(async (leaves) => {
    batches.push(leaves)
    if (leaves.some((l) => l.size === 13)) throw new Error('refused')
    return leaves.map((l, index) => ({
      account: '',
      size: l.size,
      count: leaves.length,
      period: 1,
      signatures: [],
      index,
      path: [],
    }))
  })
  const a = randomBytes(32)
  const tickets = await Promise.all([
    batcher.ticket(a, 10),
    batcher.ticket(randomBytes(32), 11),
    batcher.ticket(a, 10),
  ])
  assert.equal(batches.length, 1)
  assert.equal(batches[0]!.length, 2, 'the same chunk twice is paid for once')
  assert.deepEqual(
    tickets.map((t) => t.index),
    [0, 1, 0],
  )
  const failed = await Promise.allSettled([
    batcher.ticket(randomBytes(32), 12),
    batcher.ticket(randomBytes(32), 13),
  ])
  assert.deepEqual(
    failed.map((r) => r.status),
    ['rejected', 'rejected'],
  )
  assert.equal(batches.length, 2)
})
