// The heartbeat's counting, driven by hand: fake connections, pings the test answers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AbortOptions, Connection } from '@libp2p/interface'
import { Liveness } from '../../../main/core/net/liveness.ts'

interface FakeLink {
  conn: Connection
  /** Opens a stream from the peer's side, as a live peer would. */
  peerOpensStream(): void
  abortedWith(): Error | undefined
}

function fakeLink(): FakeLink {
  const muxer = new EventTarget()
  let aborted: Error | undefined
  const conn = {
    status: 'open',
    remotePeer: { toString: () => 'peer' },
    remoteAddr: { toString: () => '/ip4/127.0.0.1/tcp/1' },
    muxer,
    abort(err: Error) {
      aborted = err
      this.status = 'closed'
    },
  }
  return {
    conn: conn as unknown as Connection,
    peerOpensStream: () => muxer.dispatchEvent(new Event('stream')),
    abortedWith: () => aborted,
  }
}

/** Pings that stay pending until the test answers or fails them. */
function manualPings() {
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = []
  return {
    ping: (_conn: Connection, options: AbortOptions) =>
      new Promise<void>((resolve, reject) => {
        pending.push({ resolve, reject })
        options.signal?.addEventListener('abort', () => reject(new Error('aborted')))
      }),
    count: () => pending.length,
    answer: async () => {
      pending.at(-1)!.resolve()
      await settle()
    },
    fail: async () => {
      pending.at(-1)!.reject(new Error('Too many outbound protocol streams'))
      await settle()
    },
  }
}

const settle = () => new Promise((r) => setImmediate(r))

function heartbeat(link: FakeLink, pings: ReturnType<typeof manualPings>, misses = 3) {
  return new Liveness({ intervalMs: 1000, misses }, { connections: () => [link.conn], ping: pings.ping })
}

test('a silent peer is dropped after three heartbeats in a row without an answer, not after one', () => {
  const link = fakeLink()
  const pings = manualPings()
  const live = heartbeat(link, pings)
  live.tick() // the first ping goes out
  live.tick()
  live.tick()
  assert.equal(link.abortedWith(), undefined, 'two misses keep the link')
  assert.equal(live.linkOf(link.conn).misses, 2)
  live.tick()
  assert.equal(link.abortedWith()?.name, 'SilentPeerError')
  assert.equal(pings.count(), 1, 'an unanswered ping is not stacked with more')
  live.stop()
})

test('a late answer keeps the link and clears its misses', async () => {
  const link = fakeLink()
  const pings = manualPings()
  const live = heartbeat(link, pings)
  live.tick()
  live.tick()
  live.tick()
  assert.equal(live.linkOf(link.conn).misses, 2)
  await pings.answer()
  assert.deepEqual(live.linkOf(link.conn), { misses: 0, pinging: false })
  for (let i = 0; i < 5; i++) {
    live.tick()
    await pings.answer()
  }
  assert.equal(link.abortedWith(), undefined)
  assert.equal(pings.count(), 6)
  live.stop()
})

test('a stream opened by the peer counts as a sign of life', () => {
  const link = fakeLink()
  const pings = manualPings()
  const live = heartbeat(link, pings)
  for (let i = 0; i < 10; i++) {
    live.tick()
    link.peerOpensStream()
  }
  assert.equal(link.abortedWith(), undefined)
  assert.equal(live.linkOf(link.conn).misses, 0)
  live.stop()
})

test('pings refused outright count as misses too', async () => {
  const link = fakeLink()
  const pings = manualPings()
  const live = heartbeat(link, pings)
  for (let i = 0; i < 3; i++) {
    live.tick()
    await pings.fail()
  }
  assert.equal(link.abortedWith(), undefined)
  live.tick()
  assert.equal(link.abortedWith()?.name, 'SilentPeerError')
  live.stop()
})

test('stop ends pending pings and further heartbeats', async () => {
  const link = fakeLink()
  const pings = manualPings()
  const live = heartbeat(link, pings, 1)
  live.tick()
  live.stop()
  await settle()
  assert.equal(live.linkOf(link.conn).pinging, false)
  live.tick()
  live.tick()
  assert.equal(link.abortedWith(), undefined)
})

test('links the heartbeat is told not to watch get no pings, and one watched again starts afresh', async () => {
  const link = fakeLink()
  const pings = manualPings()
  const beat = heartbeat(link, pings)
  let watched = false
  beat.watchOnly(() => watched)
  for (let i = 0; i < 5; i++) beat.tick()
  assert.equal(pings.count(), 0, 'no ping on an unwatched link')
  assert.equal(link.abortedWith(), undefined, 'and it is never dropped')
  watched = true
  beat.tick()
  assert.equal(pings.count(), 1)
  assert.deepEqual(beat.linkOf(link.conn), { misses: 0, pinging: true })
  beat.stop()
})
