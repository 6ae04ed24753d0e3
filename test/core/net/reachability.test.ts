// How a node judges its reachability from its announced addresses and its peers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { isClientOnly, judgeReachability } from '../../../main/core/net/reachability.ts'
import {
  ALL_INTERFACES_LISTEN,
  LOOPBACK_LISTEN,
  desktopListen,
  loopbackOnly,
} from '../../../main/core/net/host.ts'

const base = {
  network: true,
  announced: [],
  direct: [],
  internetSince: undefined,
  lanSince: undefined,
  now: 100_000,
  decideAfterMs: 60_000,
}
const relayed = multiaddr(
  '/ip4/7.77.0.11/tcp/4001/p2p/12D3KooWGRUVh8ptBLRc9JhkV2JH8G3TbeNbyG1eBBJKEMkRctWr/p2p-circuit',
)

test('a loopback node is local and serves; only a listen address beyond loopback makes a network node', () => {
  assert.equal(judgeReachability({ ...base, network: false }), 'local')
  assert.equal(isClientOnly('local'), false)
  assert.equal(loopbackOnly(['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/0']), true)
  assert.equal(loopbackOnly(['/ip4/0.0.0.0/tcp/0']), false)
  assert.equal(loopbackOnly(['/ip4/10.1.2.3/udp/0/quic-v1']), false)
})

test('a verified public address makes a node public; a relayed or private one does not', () => {
  assert.equal(judgeReachability({ ...base, announced: [multiaddr('/ip4/7.77.0.11/tcp/4001')] }), 'public')
  assert.equal(judgeReachability({ ...base, announced: [relayed], internetSince: 90_000 }), 'unknown')
  assert.equal(judgeReachability({ ...base, announced: [multiaddr('/ip4/10.77.1.2/tcp/4001')] }), 'unknown')
})

test('meeting internet peers without being verified makes a node private once the time is up', () => {
  assert.equal(judgeReachability({ ...base, internetSince: 50_000 }), 'unknown')
  assert.equal(judgeReachability({ ...base, internetSince: 40_000 }), 'private')
  assert.equal(isClientOnly('private'), true)
  assert.equal(isClientOnly('unknown'), true)
})

test('a node whose peers are all on private networks (a LAN) is local once the time is up', () => {
  assert.equal(judgeReachability({ ...base, lanSince: 50_000 }), 'unknown')
  assert.equal(judgeReachability({ ...base, lanSince: 40_000 }), 'local')
  // one internet peer is enough to take the internet's view
  assert.equal(judgeReachability({ ...base, lanSince: 10_000, internetSince: 40_000 }), 'private')
})

test('the desktop node listens on every interface only when it joins a network beyond this machine', () => {
  const peer = '12D3KooWGRUVh8ptBLRc9JhkV2JH8G3TbeNbyG1eBBJKEMkRctWr'
  assert.deepEqual(desktopListen([], false), LOOPBACK_LISTEN)
  assert.deepEqual(desktopListen([`/ip4/127.0.0.1/tcp/4001/p2p/${peer}`], false), LOOPBACK_LISTEN)
  assert.deepEqual(desktopListen([`/ip4/7.77.0.11/tcp/4001/p2p/${peer}`], false), ALL_INTERFACES_LISTEN)
  assert.deepEqual(desktopListen([`/ip4/7.77.0.11/tcp/4001/p2p/${peer}`], true), LOOPBACK_LISTEN)
  assert.equal(loopbackOnly(ALL_INTERFACES_LISTEN), false)
})
