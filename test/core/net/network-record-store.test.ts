// NetworkRecordStore against scripted vaults: which answers a reader trusts,
// whom it repairs, and how a PUT moves past full vaults but not past newer ones.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { PeerId } from '@libp2p/interface'
import type { VaultPeer } from '../../../main/core/net/peer-table.ts'
import type { RecordRequest, RecordResponse } from '../../../main/core/net/record-messages.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { NetworkRecordStore } from '../../../main/core/net/network-record-store.ts'
import { OwnerKey, addressOf, signRecord } from '../../../main/core/records/index.ts'
import type { SignedRecord } from '../../../main/core/records/index.ts'

const owner = OwnerKey.generate()
const v1 = signRecord(owner, { name: 'root', version: 1, payload: Buffer.from('one') })
const v2 = signRecord(owner, { name: 'root', version: 2, payload: Buffer.from('two') })
const v3 = signRecord(owner, { name: 'root', version: 3, payload: Buffer.from('three') })
const address = addressOf(v1)

type Behaviour = (req: RecordRequest) => RecordResponse | Promise<RecordResponse>

/** `count` fake vaults, closest to the record first, each answering as scripted (default: holds nothing, takes puts). */
function network(count: number, script: Behaviour[] = []) {
  const peers: VaultPeer[] = Array.from({ length: count }, (_, i) => ({
    id: undefined as unknown as PeerId, // never dialled: `ask` is scripted
    key: `peer-${i}`,
    kadId: randomBytes(32),
  }))
  const ranked = closestFirst(kadKey(address), peers)
  const log: { rank: number; req: RecordRequest }[] = []
  const ask = async (peer: VaultPeer, req: RecordRequest): Promise<RecordResponse> => {
    const rank = ranked.indexOf(peer)
    log.push({ rank, req })
    const behaviour = script[rank]
    if (behaviour) return behaviour(req)
    return req.type === 'record-get' ? { status: 'not-found', reason: 'not held' } : { status: 'ok' }
  }
  const store = new NetworkRecordStore({ peers: { withSelf: () => peers }, ask })
  const puts = () => log.filter((e) => e.req.type === 'record-put').map((e) => e.rank)
  const gets = () => log.filter((e) => e.req.type === 'record-get').map((e) => e.rank)
  return { store, log, puts, gets }
}

const holds =
  (record: SignedRecord): Behaviour =>
  (req) =>
    req.type === 'record-get' ? { status: 'ok', record } : { status: 'stale', reason: 'newer held' }
const unreachable: Behaviour = () => {
  throw Object.assign(new Error('dial failed'), { name: 'DialError' })
}

test('a reader asks the whole group, keeps the newest valid answer and ignores forged and misplaced ones', async () => {
  const mallory = OwnerKey.generate()
  const forged = { ...v2, version: 9n }
  const misplaced = signRecord(mallory, { name: 'root', version: 50 })
  const { store, gets, puts } = network(8, [holds(v2), holds(forged), holds(v1), holds(misplaced), holds(v3)])
  const got = await store.get(address)
  assert.deepEqual(got, v2)
  assert.deepEqual(gets().sort(), [0, 1, 2, 3], 'the group, and only the group, is asked')
  await store.settled()
  // read repair: the members that answered older, forged or misplaced records get v2
  assert.deepEqual(puts().sort(), [1, 2, 3])
})

test('a reader goes past an unreachable group, and says so when nobody answers at all', async () => {
  const past = network(8, [unreachable, unreachable, unreachable, unreachable, holds(v1)])
  assert.deepEqual(await past.store.get(address), v1)
  assert.deepEqual(past.gets().sort(), [0, 1, 2, 3, 4, 5, 6, 7])
  await past.store.settled()
  assert.deepEqual(past.puts(), [], 'unreachable members are not repaired by readers')

  const silent = network(5, Array(5).fill(unreachable))
  await assert.rejects(silent.store.get(address), { name: 'RecordUnavailable' })
  await assert.rejects(network(0).store.get(address), { name: 'RecordUnavailable' })
})

test('a record nobody holds is undefined after at most 2R vaults answered', async () => {
  const { store, gets } = network(20)
  assert.equal(await store.get(address), undefined)
  assert.equal(gets().length, 8)
})

test('a put passes over full and failing vaults but keeps the place of a vault that holds a newer version', async () => {
  const full: Behaviour = () => ({ status: 'full', reason: 'vault is full' })
  const a = network(8, [full, unreachable])
  const result = await a.store.put(v1)
  assert.equal(result.copies, 4)
  assert.deepEqual(a.puts().sort(), [0, 1, 2, 3, 4, 5])
  assert.equal(a.store.degraded, 0)

  const b = network(8, [holds(v3)])
  const partly = await b.store.put(v2)
  assert.deepEqual({ copies: partly.copies, stale: partly.stale }, { copies: 3, stale: 1 })
  assert.deepEqual(b.puts().sort(), [0, 1, 2, 3])

  const c = network(8, [holds(v3), holds(v3), holds(v3), holds(v3)])
  await assert.rejects(c.store.put(v2), { name: 'RecordStale' })
  assert.deepEqual(c.puts().sort(), [0, 1, 2, 3], 'a replay goes nowhere past the group')
})

test('a put counts fewer than R copies as degraded and refuses unsigned records before sending', async () => {
  const small = network(2)
  assert.equal((await small.store.put(v1)).copies, 2)
  assert.equal(small.store.degraded, 1)

  const { store, log } = network(6)
  await assert.rejects(store.put({ ...v1, payload: Buffer.from('tampered') }), { name: 'RecordBadSignature' })
  await assert.rejects(store.put({ ...v1, name: new Uint8Array(0) }), { name: 'RecordInvalid' })
  assert.equal(log.length, 0)
  await assert.rejects(network(0).store.put(v1), { name: 'RecordPutFailed' })
  const refusing = network(
    3,
    Array(3).fill(() => ({ status: 'full', reason: 'full' })),
  )
  await assert.rejects(refusing.store.put(v1), { name: 'RecordPutFailed' })
})
