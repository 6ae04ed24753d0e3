// The heartbeat on real libp2p hosts over loopback; the test runs each heartbeat by hand,
// so a loaded machine changes how long it takes, not what it shows.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection } from '@libp2p/interface'
import { createHost } from '../../../main/core/net/host.ts'
import type { Host } from '../../../main/core/net/host.ts'
import type { Liveness } from '../../../main/core/net/liveness.ts'
import { waitFor } from './support.ts'

const HELLO = '/peerdrive-test/hello/1.0.0'

async function pair(t: TestContext) {
  // an hour between heartbeats: only the test's own ticks run
  const start = async () =>
    createHost({ privateKey: await generateKeyPair('Ed25519'), heartbeatMs: 3_600_000 })
  const [local, remote] = await Promise.all([start(), start()])
  t.after(() => Promise.all([local.stop(), remote.stop()]))
  await local.handle(HELLO, (stream) => void stream.close().catch(() => {}))
  const conn = await local.dial(remote.getMultiaddrs())
  const heartbeat = (local.services as unknown as { liveness: Liveness }).liveness
  return { local, remote, conn, heartbeat }
}

/** yamux's Ping frame flags (a request, an answer). */
const SYN = 1
const ACK = 2

interface YamuxInternals {
  handlePing(header: { flag: number; length: number }): void
  sendPing(id: number, flag: number): void
}

/**
 * The remote's side of the heartbeat (yamux's Ping frame, answered inside its
 * muxer): held until the test says so. This reaches into yamux's internals,
 * as the only way to make a live peer slow to answer without freezing it.
 */
async function holdPings(remote: Host, local: Host) {
  await waitFor(() => remote.getConnections(local.peerId).length > 0, 30_000, 'the remote to see the link')
  const [conn] = remote.getConnections(local.peerId)
  const muxer = (conn as unknown as { muxer: YamuxInternals }).muxer
  const answer = muxer.handlePing.bind(muxer)
  const held: number[] = []
  muxer.handlePing = (header) => (header.flag === SYN ? void held.push(header.length) : answer(header))
  return {
    held,
    answerAll: () => {
      for (const id of held.splice(0)) muxer.sendPing(id, ACK)
    },
  }
}

const isOpen = (conn: Connection) => conn.status === 'open'
const toRemote = (local: Host, remote: Host) => local.getConnections(remote.peerId).filter(isOpen)

test('a live peer answers every heartbeat and keeps its link', async (t) => {
  const { conn, heartbeat } = await pair(t)
  for (let i = 0; i < 6; i++) {
    heartbeat.tick()
    await waitFor(() => !heartbeat.linkOf(conn).pinging, 30_000, `answer to heartbeat ${i}`)
    assert.equal(heartbeat.linkOf(conn).misses, 0)
  }
  assert.ok(isOpen(conn))
})

// The remote's own kad-dht opens streams now and then, which rightly count as signs of life,
// so these tests tick until a state is reached rather than counting exact ticks.
const settle = () => new Promise((r) => setImmediate(r))

/** Ticks until `done`, at most `limit` times; returns the ticks it took. */
async function tickUntil(heartbeat: Liveness, done: () => boolean, limit: number, what: string) {
  for (let ticks = 1; ticks <= limit; ticks++) {
    heartbeat.tick()
    await settle()
    if (done()) return ticks
  }
  throw new Error(`${what}: not after ${limit} heartbeats`)
}

test('a peer that stops answering is dropped after three heartbeats in a row without a sign of life', async (t) => {
  const { local, remote, conn, heartbeat } = await pair(t)
  await holdPings(remote, local)
  const ticks = await tickUntil(heartbeat, () => !isOpen(conn), 200, 'silent link dropped')
  // the first heartbeat sends the ping; three more find it unanswered
  assert.ok(ticks >= 4, `dropped after ${ticks} heartbeats`)
  await waitFor(() => toRemote(remote, local).length === 0, 30_000, 'the remote to see the link close')
  assert.equal(toRemote(local, remote).length, 0)
})

test('a late answer, or a stream the peer opens, keeps a link whose pings went unanswered', async (t) => {
  const { local, remote, conn, heartbeat } = await pair(t)
  const pings = await holdPings(remote, local)
  await tickUntil(heartbeat, () => heartbeat.linkOf(conn).misses === 2, 200, 'two misses')
  assert.ok(isOpen(conn), 'two misses keep the link')
  // a busy peer answers late: its misses are forgiven
  pings.answerAll()
  await waitFor(() => heartbeat.linkOf(conn).misses === 0, 30_000, 'the late answer')

  await tickUntil(heartbeat, () => heartbeat.linkOf(conn).misses === 2, 200, 'two misses again')
  const hello = await remote.dialProtocol(local.peerId, HELLO)
  await hello.close().catch(() => {})
  await waitFor(() => heartbeat.linkOf(conn).misses === 0, 30_000, 'the stream to count')
  assert.ok(isOpen(conn))
})
