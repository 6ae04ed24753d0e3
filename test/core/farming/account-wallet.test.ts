// The wallet follows the account: coin a vault farmed before anyone logged in
// moves to the account's wallet when an account opens, and new coin is paid
// to the account while it is open.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { everyAddress, startDriveNode } from '../account/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'
import { EVERY_GET_WINS, farm } from './support.ts'

test('coin farmed before login moves to the account wallet, and new coin is paid to it', async (t) => {
  const vaults = await startNodes(t, 5, { farming: EVERY_GET_WINS })
  const node = await startDriveNode(t, everyAddress(vaults), { farming: EVERY_GET_WINS })
  await meshUp([...vaults, node.node])
  const farmer = node.node.farmer
  const device = farmer.walletId
  await farm(node.node, vaults, 2)
  const farmedBefore = farmer.db.ownedCoins(device).length

  await node.create({ keyword: 'orchard', pin: '8080', password: 'apples and pears' })
  const account = farmer.walletId
  assert.notEqual(account, device)
  await waitFor(() => farmer.db.ownedCoins(device).length === 0, 30_000, 'the device wallet to empty')
  await farmer.settled()
  const received = farmer.history().entries.filter((e) => e.kind === 'received')
  assert.ok(received.length >= farmedBefore, `${received.length} received of ${farmedBefore}`)
  assert.equal(farmer.balance().coins, received.length + farmer.balance().earned_today)
  for (const coin of farmer.db.ownedCoins(account)) assert.equal(await farmer.verify(coin), true)

  const earnedBefore = farmer.balance().earned_today
  await farm(node.node, vaults, 1)
  assert.equal(farmer.balance().earned_today, earnedBefore + 1, 'minted to the account while it is open')
  await node.logout()
  assert.equal(farmer.walletId, device, 'after logout the vault farms for its own wallet again')
})
