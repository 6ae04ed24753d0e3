// The writer's side of upload once against vaults simulated in memory: who is
// asked, what it costs in bytes sent, and how copies are counted.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import type { Request, Response } from '../../../main/core/net/messages.ts'
import { NetworkChunkStore } from '../../../main/core/net/network-store.ts'
import { vaultPeer } from '../../../main/core/net/peer-table.ts'
import type { VaultPeer } from '../../../main/core/net/peer-table.ts'
import { uploadOnce } from '../../../main/core/net/upload-once.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'

async function vaults(n: number): Promise<VaultPeer[]> {
  return Promise.all(
    Array.from({ length: n }, async () => vaultPeer(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))),
  )
}

const bytes = randomBytes(10_000)
const address = chunkAddress(bytes)
const idOf = (p: VaultPeer) => p.id.toMultihash().bytes

test('the closest other vault is asked once and its holders are the copies', async () => {
  const ranked = closestFirst(kadKey(address), await vaults(8))
  const asked: Request['type'][] = []
  const ask = async (peer: VaultPeer, req: Request): Promise<Response> => {
    asked.push(req.type)
    assert.equal(peer, ranked[0])
    return { status: 'ok', copies: 4, holders: ranked.slice(0, 4).map(idOf) }
  }
  const placed = await uploadOnce(ranked, undefined, 4, ask, address, bytes)
  assert.deepEqual(asked, ['replicate'])
  assert.equal(placed.holders.length, 4)
  assert.equal(placed.sentBytes, bytes.length)
})

test('a failing entry is passed over; the writer itself is never counted, nor more than R', async () => {
  const ranked = closestFirst(kadKey(address), await vaults(9))
  const self = ranked[2]!
  const asked: string[] = []
  const ask = async (peer: VaultPeer, req: Request): Promise<Response> => {
    asked.push(`${req.type}:${ranked.indexOf(peer)}`)
    if (peer === ranked[0]) throw Object.assign(new Error('reset'), { name: 'StreamResetError' })
    if (peer === self) return { status: 'ok' }
    // a lying entry names the writer and too many vaults
    return { status: 'ok', copies: 9, holders: ranked.map(idOf) }
  }
  const placed = await uploadOnce(ranked, self.key, 4, ask, address, bytes)
  assert.deepEqual(asked.filter((a) => a.startsWith('replicate')).sort(), ['replicate:0', 'replicate:1'])
  assert.ok(asked.includes('put:2'), 'the writer in the group keeps its own copy')
  assert.equal(placed.self, 'stored')
  assert.equal(placed.holders.length, 4)
  assert.ok(!placed.holders.some((p) => p.key === self.key))
  assert.equal(placed.sentBytes, 2 * bytes.length)
})

test('copies the group could not place are sent directly to vaults not yet asked', async () => {
  const ranked = closestFirst(kadKey(address), await vaults(7))
  const puts: number[] = []
  const ask = async (peer: VaultPeer, req: Request): Promise<Response> => {
    if (req.type === 'replicate')
      return { status: 'ok', copies: 2, holders: [idOf(ranked[0]!), idOf(ranked[3]!)] }
    puts.push(ranked.indexOf(peer))
    return peer === ranked[1] ? { status: 'full', reason: 'full' } : { status: 'ok' }
  }
  const placed = await uploadOnce(ranked, undefined, 4, ask, address, bytes)
  assert.equal(placed.holders.length, 4)
  assert.ok(!puts.includes(0) && !puts.includes(3), 'holders are not sent it again')
  assert.equal(placed.sentBytes, (1 + puts.length) * bytes.length)
})

test('when every entry refuses, the writer places the copies itself as before', async () => {
  const ranked = closestFirst(kadKey(address), await vaults(6))
  const ask = async (_peer: VaultPeer, req: Request): Promise<Response> =>
    req.type === 'replicate' ? { status: 'bad-request', reason: 'not in the close group' } : { status: 'ok' }
  const placed = await uploadOnce(ranked, undefined, 4, ask, address, bytes)
  // a vault outside the group in its own view still takes a plain copy
  assert.equal(placed.holders.length, 4)
  assert.deepEqual(placed.reasons.slice(0, 4), ['bad-request', 'bad-request', 'bad-request', 'bad-request'])
})

test('a put no vault took, and a get no vault answered, make the store look the group up afresh next time', async () => {
  const [me, ...all] = await vaults(7)
  const relooked: string[] = []
  // a client: it is not among the vaults it places on
  const peers = {
    self: me!,
    list: () => all,
    withSelf: () => all,
    closest: async (key: Uint8Array) => closestFirst(kadKey(key), all),
    relook: (key: Uint8Array) => void relooked.push(Buffer.from(key).toString('hex')),
  }
  const refusing = new NetworkChunkStore({
    peers,
    ask: async (): Promise<Response> => ({ status: 'bad-request', reason: 'not in the close group' }),
  })
  await assert.rejects(refusing.put(address, bytes), /no vault accepted it \(bad-request/)
  assert.deepEqual(relooked, [Buffer.from(address).toString('hex')])
  // a get no vault answered looks the group up afresh once, asking only vaults not asked yet
  let gets = 0
  const missing = new NetworkChunkStore({
    peers,
    ask: async (): Promise<Response> => {
      gets++
      return { status: 'not-found', reason: 'not held here' }
    },
  })
  await assert.rejects(missing.get(address), { name: 'ChunkMissing' })
  assert.equal(gets, all.length, 'each vault is asked once')
  assert.equal(relooked.length, 3)
  // a holder the first ranking left out is found by the fresh lookup
  const [late, ...early] = closestFirst(kadKey(address), all).reverse()
  let fresh = false
  const found = new NetworkChunkStore({
    peers: {
      ...peers,
      closest: async (key: Uint8Array) => closestFirst(kadKey(key), fresh ? all : early),
      relook: () => void (fresh = true),
    },
    ask: async (peer): Promise<Response> =>
      peer.key === late!.key ? { status: 'ok', bytes } : { status: 'not-found', reason: 'not held here' },
  })
  assert.ok(Buffer.from(await found.get(address)).equals(bytes))
  const taking = new NetworkChunkStore({
    peers,
    ask: async (_peer, req): Promise<Response> =>
      req.type === 'get'
        ? { status: 'ok', bytes }
        : { status: 'ok', copies: 4, holders: all.slice(0, 4).map(idOf) },
  })
  await taking.put(address, bytes)
  assert.ok(Buffer.from(await taking.get(address)).equals(bytes))
  assert.equal(relooked.length, 3, 'a put or get that succeeds keeps what the router knows')
})
