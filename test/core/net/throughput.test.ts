// The benchmark's raw-stream sink: raw bytes out, one protobuf count back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createHost } from '../../../main/core/net/host.ts'
import { measureThroughput, serveThroughputSink } from '../../../main/core/net/throughput-protocol.ts'

test('the sink confirms every byte sent and the sender gets a rate', async (t) => {
  const sink = await createHost({ privateKey: await generateKeyPair('Ed25519') })
  t.after(() => sink.stop())
  const sender = await createHost({ privateKey: await generateKeyPair('Ed25519') })
  t.after(() => sender.stop())
  await serveThroughputSink(sink)
  await sender.dial(sink.getMultiaddrs()[0]!)
  const mbps = await measureThroughput(sender, sink.peerId, 8 * 2 ** 20)
  assert.ok(mbps > 0 && Number.isFinite(mbps))
})
