// A request still arriving at the vault's deadline is a slow link, not an attack: the stream
// goes, but the writer is not struck (struck, an honest writer of large chunks on a loaded
// machine was banned and its PUTs failed). A request that never starts is struck.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { CHUNK_PROTOCOL } from '../../../main/core/net/chunk-protocol.ts'
import { createHost } from '../../../main/core/net/host.ts'
import { startNodes, waitFor } from './support.ts'

test('a request cut off by the deadline mid-way costs the stream, not a strike; a silent one is struck', async (t) => {
  const [vault] = await startNodes(t, 1, { requestTimeoutMs: 1_000 })
  const writer = await createHost({ privateKey: await generateKeyPair('Ed25519') })
  t.after(() => writer.stop())
  const target = multiaddr(vault!.multiaddrs()[0]!)
  const open = () => writer.dialProtocol(target, CHUNK_PROTOCOL)
  const closedBy = (stream: Awaited<ReturnType<typeof open>>) =>
    lpStream(stream).read({ signal: AbortSignal.timeout(30_000) })

  // the length prefix of a 100 kB frame and a first part of it, then nothing more
  const slow = await open()
  slow.send(Uint8Array.of(0xa0, 0x8d, 0x06))
  slow.send(randomBytes(4096))
  await assert.rejects(closedBy(slow))
  assert.equal(vault!.scores.strikesOf(writer.peerId.toString()), 0)

  const silent = await open()
  await assert.rejects(closedBy(silent))
  await waitFor(() => vault!.scores.strikesOf(writer.peerId.toString()) === 1, 30_000, 'a strike')
})
