// The wallet CLI contract against a running node's API, with coin farmed on
// a real loopback network.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress } from '../../main/core/chunk-store.ts'
import { closeGroup } from '../../main/core/placement/index.ts'
import { runCli, tempDir } from '../helpers.ts'
import { meshUp, startNodes, waitFor } from '../core/net/support.ts'
import { everyAddress, startDriveNode } from '../core/account/support.ts'

const EVERY_GET_WINS = { target: 1, proofIntervalMs: 3_600_000, clientMinAgeMs: 0 }

test('wallet balance, history and send through the CLI; bad input gets a clear error', async (t) => {
  const vaults = await startNodes(t, 5, { farming: EVERY_GET_WINS })
  const home = await tempDir(t)
  const node = await startDriveNode(t, everyAddress(vaults), { home, farming: EVERY_GET_WINS })
  await meshUp([...vaults, node.node])
  // GETs served by one of the plain vaults (not the drive node, which is in the mesh too) until one has a coin
  const earned = () => vaults.find((v) => v.farmer.balance().coins >= 1)
  for (let i = 0; i < 40 && !earned(); i++) {
    const bytes = randomBytes(2048)
    const address = chunkAddress(bytes)
    const group = closeGroup(address, vaults[0]!.peers.withSelf(), 4).map((p) => p.key)
    if (group[0] === node.node.peers.self.key) continue
    await vaults[0]!.network.put(address, bytes)
    const reader = vaults.find((v) => !group.includes(v.peers.self.key))
    if (!reader) continue
    await reader.network.get(address)
    for (let j = 0; j < 3; j++) await Promise.all(vaults.map((v) => v.farmer.settled()))
  }
  await waitFor(() => earned() !== undefined, 30_000, 'a plain vault to farm a coin')
  const farmer = earned()!

  // this node is a vault too: it may have farmed some of those GETs itself
  const start = await runCli(home, ['wallet', 'balance', '--json'])
  assert.equal(start.code, 0, start.stderr)
  const { wallet_id, ...figures } = JSON.parse(start.stdout)
  const own = node.node.farmer.balance().coins
  assert.deepEqual(figures, { coins: own, pending: 0, earned_today: own })
  assert.equal(wallet_id, node.node.farmer.walletId)

  await farmer.farmer.send(1, wallet_id)
  await waitFor(() => node.node.farmer.balance().coins === own + 1, 30_000, 'the coin to arrive')
  assert.equal(JSON.parse((await runCli(home, ['wallet', 'balance', '--json'])).stdout).coins, own + 1)
  const history = JSON.parse((await runCli(home, ['wallet', 'history', '--json'])).stdout)
  assert.equal(history.entries[0].kind, 'received')
  assert.equal(history.entries.filter((e: { kind: string }) => e.kind === 'minted').length, own)
  assert.match((await runCli(home, ['wallet', 'history'])).stdout, /received/)

  const tooMany = await runCli(home, ['wallet', 'send', String(own + 5), farmer.farmer.walletId])
  assert.equal(tooMany.code, 1)
  assert.match(tooMany.stderr, new RegExp(`holds ${own + 1} coin\\(s\\), fewer than ${own + 5}`))
  assert.equal((await runCli(home, ['wallet', 'send', '0', farmer.farmer.walletId])).code, 2)
  assert.equal((await runCli(home, ['wallet', 'send', '1', 'not-a-wallet'])).code, 2)
  const sent = await runCli(home, ['wallet', 'send', '1', farmer.farmer.walletId])
  assert.equal(sent.code, 0, sent.stderr)
  assert.match(sent.stdout, /Sent 1 coin/)
  assert.equal(JSON.parse((await runCli(home, ['wallet', 'balance', '--json'])).stdout).coins, own)
})
