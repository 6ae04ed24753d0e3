// A vault whose peer list could not be had when it joined (a busy peer, a
// stream cut short) still meets the rest of the network: the peer exchange is
// tried again, and repeated now and then, instead of leaving it knowing one
// vault for good.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { PeerDriveNode } from '../../../main/core/node/index.ts'
import { PEERS_PROTOCOL, servePeerList } from '../../../main/core/net/peer-exchange.ts'
import { tempDir } from '../../helpers.ts'
import { startNodes, waitFor } from './support.ts'

test('a vault that joins while its bootstrap cannot list peers still meets every vault', async (t) => {
  const vaults = await startNodes(t, 4)
  const boot = vaults[0]!
  // the bootstrap vault answers no peer list for now
  await boot.host.unhandle(PEERS_PROTOCOL)
  const dir = await tempDir(t)
  const late = await PeerDriveNode.start({
    vaultDir: join(dir, 'late'),
    capacity: 64 * 2 ** 20,
    bootstrap: boot.multiaddrs(),
  })
  t.after(() => late.stop())
  await waitFor(() => late.peers.has(boot.peers.self.key), 30_000, 'the newcomer to meet its bootstrap')
  // the peer list is back a little later, as from a peer that was only busy
  await new Promise((r) => setTimeout(r, 3_000))
  await servePeerList(boot.host, boot.peers)
  await waitFor(() => late.peers.size === vaults.length, 60_000, 'the newcomer to meet every vault')
  assert.equal(late.peers.size, 4)
})
