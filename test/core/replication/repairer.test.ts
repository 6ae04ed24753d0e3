// Whom the Repairer copies to when a group member gives no answer: a vault
// that is gone (its dial refused, judged lost, or no vault at all) is replaced
// by the next vault at once; a vault that is only slow may hold the chunk and
// is not, so no stray copy is left behind its late answer.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import type { Request, Response } from '../../../main/core/net/messages.ts'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { Repairer } from '../../../main/core/replication/repairer.ts'

const R = 4

type Failure = 'refused' | 'slow' | 'no-chunks'

/** Eight vaults in memory; the first in the chunk's ranking is this one, and leads its repair. */
function network(failures: Map<number, Failure>, holding: number[]) {
  const bytes = randomBytes(1024)
  const address = chunkAddress(bytes)
  const world = Array.from(
    { length: 8 },
    (_, i) => ({ key: `v${i}`, kadId: kadKey(randomBytes(32)) }) as unknown as VaultPeer,
  )
  const ranked = closestFirst(kadKey(address), world)
  const held = new Set(holding.map((i) => ranked[i]!.key))
  const failing = new Map([...failures].map(([i, f]) => [ranked[i]!.key, f]))
  const asked: string[] = []
  const ask = async (peer: VaultPeer, req: Request): Promise<Response> => {
    asked.push(`${req.type} ${peer.key}`)
    const failure = failing.get(peer.key)
    if (failure === 'refused') throw new Error('connect ECONNREFUSED 127.0.0.1:4001')
    if (failure === 'slow') throw new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    if (failure === 'no-chunks')
      throw Object.assign(new Error('Protocol selection failed'), { name: 'UnsupportedProtocolError' })
    if (req.type === 'has')
      return held.has(peer.key) ? { status: 'ok' } : { status: 'not-found', reason: 'not held' }
    if (req.type === 'put') {
      held.add(peer.key)
      return { status: 'ok' }
    }
    return { status: 'bad-request', reason: 'not served here' }
  }
  const self = ranked[0]!
  const repairer = new Repairer(
    {
      peers: { self, withSelf: () => world },
      vault: {
        addresses: () => [address],
        get: async (a) => {
          assert.equal(toHex(a), toHex(address))
          return bytes
        },
        delete: async () => false,
      },
      ask,
      // a refused vault's dial fails outright; a slow one's only times out
      unreachable: async (peer) => failing.get(peer.key) === 'refused',
    },
    { replicas: R },
  )
  const holders = () => ranked.flatMap((p, i) => (held.has(p.key) && !failing.has(p.key) ? [i] : []))
  return { repairer, ranked, holders, asked }
}

test('a member whose dial is refused is replaced by the next vault at once', async () => {
  // this vault and the second hold the chunk; the third was killed, the fourth lacks it
  const net = network(new Map([[2, 'refused']]), [0, 1])
  await net.repairer.audit()
  assert.deepEqual(net.holders(), [0, 1, 3, 4])
  // the refused member is not offered the copy again
  assert.ok(!net.asked.includes(`put ${net.ranked[2]!.key}`))
})

test('a member that is no vault (a client a lookup named) is replaced by the next vault', async () => {
  const net = network(new Map([[1, 'no-chunks']]), [0, 2])
  await net.repairer.audit()
  assert.deepEqual(net.holders(), [0, 2, 3, 4])
})

test('a member judged lost is replaced even when its requests only time out', async () => {
  const net = network(new Map([[3, 'slow']]), [0, 1, 2])
  await net.repairer.afterLoss(net.ranked[3]!)
  assert.deepEqual(net.holders(), [0, 1, 2, 4])
})

test('a member that is only slow may hold the chunk: no copy goes to the next vault', async () => {
  const net = network(new Map([[3, 'slow']]), [0, 1])
  await net.repairer.audit()
  assert.deepEqual(net.holders(), [0, 1, 2])
  assert.ok(!net.asked.includes(`put ${net.ranked[4]!.key}`))
})

test('a spare whose dial is refused is passed over for the one after it', async () => {
  const net = network(
    new Map<number, Failure>([
      [2, 'refused'],
      [4, 'refused'],
    ]),
    [0, 1, 3],
  )
  await net.repairer.audit()
  assert.deepEqual(net.holders(), [0, 1, 3, 5])
})
