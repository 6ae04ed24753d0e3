// The entry vault's side of upload once against vaults simulated in memory:
// what it checks, whom it forwards to, and what it reports.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import type { ChunkHolder } from '../../../main/core/net/chunk-service.ts'
import type { Request, Response } from '../../../main/core/net/messages.ts'
import { vaultPeer } from '../../../main/core/net/peer-table.ts'
import type { VaultPeer } from '../../../main/core/net/peer-table.ts'
import { answerReplicate } from '../../../main/core/net/replicate-service.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'

const bytes = randomBytes(5_000)
const address = chunkAddress(bytes)

async function ranked(n: number): Promise<VaultPeer[]> {
  const peers = await Promise.all(
    Array.from({ length: n }, async () => vaultPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))),
  )
  return closestFirst(kadKey(address), peers)
}

function holder(full = false): ChunkHolder & { held: number } {
  const h = {
    held: 0,
    put: async () => {
      if (full) throw Object.assign(new Error('vault is full'), { name: 'VaultFull' })
      h.held++
    },
    get: async () => bytes,
    has: async () => h.held > 0,
    delete: async () => false,
    listAddresses: () => [],
  }
  return h
}

function entry(
  self: VaultPeer,
  peers: VaultPeer[],
  answer: (peer: VaultPeer) => Response = () => ({ status: 'ok' }),
) {
  const forwarded: VaultPeer[] = []
  const ask = async (peer: VaultPeer, req: Request): Promise<Response> => {
    assert.equal(req.type, 'put', 'forwards are plain PUTs, never another REPLICATE')
    forwarded.push(peer)
    return answer(peer)
  }
  return { c: { self, peers: { withSelf: () => peers }, replicas: 4, ask }, forwarded }
}

test('the entry keeps a copy, forwards R−1 to the closest others, never to the sender', async () => {
  const group = await ranked(10)
  const [sender, self] = [group[0]!, group[1]!]
  const { c, forwarded } = entry(self, group)
  const mine = holder()
  const res = await answerReplicate(c, mine, { type: 'replicate', address, bytes, copies: 16 }, sender.id)
  assert.equal(mine.held, 1)
  assert.deepEqual(forwarded, group.slice(2, 5))
  assert.ok(res.status === 'ok' && res.copies === 4 && res.holders?.length === 4)
})

test('a full entry still places R copies, passing over full members to the next closest', async () => {
  const group = await ranked(10)
  const self = group[0]!
  const { c, forwarded } = entry(self, group, (peer) =>
    peer === group[2] ? { status: 'full', reason: 'full' } : { status: 'ok' },
  )
  const res = await answerReplicate(
    c,
    holder(true),
    { type: 'replicate', address, bytes, copies: 4 },
    group[9]!.id,
  )
  assert.ok(res.status === 'ok' && res.copies === 4)
  assert.deepEqual(new Set(forwarded), new Set(group.slice(1, 6)))
})

test('bytes that do not match, or an entry outside the group, place nothing', async () => {
  const group = await ranked(12)
  const inside = entry(group[0]!, group)
  const forged = await answerReplicate(
    inside.c,
    holder(),
    { type: 'replicate', address, bytes: randomBytes(10), copies: 4 },
    group[5]!.id,
  )
  assert.equal(forged.status, 'bad-hash')
  const outside = entry(group[9]!, group)
  const far = await answerReplicate(
    outside.c,
    holder(),
    { type: 'replicate', address, bytes, copies: 4 },
    group[0]!.id,
  )
  assert.equal(far.status, 'bad-request')
  assert.equal(inside.forwarded.length + outside.forwarded.length, 0)
})

test("the sender's distrusted vaults are left out, and naming vaults never adds one to the group", async () => {
  const group = await ranked(16)
  const [sender, self] = [group[0]!, group[1]!]
  const { c, forwarded } = entry(self, group)
  // the two members after the entry are distrusted by the sender; a far vault named too changes nothing
  const avoid = [group[2]!, group[3]!, group[15]!].map((p) => p.id.toMultihash().bytes)
  const res = await answerReplicate(
    c,
    holder(),
    { type: 'replicate', address, bytes, copies: 4, avoid },
    sender.id,
  )
  assert.deepEqual(forwarded, group.slice(4, 7))
  assert.ok(res.status === 'ok' && res.copies === 4)
  const garbage = await answerReplicate(
    entry(self, group).c,
    holder(),
    { type: 'replicate', address, bytes, copies: 4, avoid: [Uint8Array.of(1, 2, 3)] },
    sender.id,
  )
  assert.ok(garbage.status === 'ok' && garbage.copies === 4, 'an id that names no vault avoids nothing')
})
