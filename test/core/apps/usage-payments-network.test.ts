// An app's usage price on a real loopback network with farming: the user's
// account wallet pays the developer's wallet once per period, the coins reach
// the developer through its inbox and verify against their groups.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { USAGE_PERIOD_MS } from '../../../main/core/apps/index.ts'
import { callApi } from '../../../main/core/api/index.ts'
import { tempDir } from '../../helpers.ts'
import { everyAddress, startDriveNode } from '../account/support.ts'
import { EVERY_GET_WINS, farm } from '../farming/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'
import { grantedApp } from './support.ts'

test("a priced app's developer is paid from the user's wallet once a period, and no more", async (t) => {
  const vaults = await startNodes(t, 5, { farming: EVERY_GET_WINS })
  const home = await tempDir(t)
  const node = await startDriveNode(t, everyAddress(vaults), { home, farming: EVERY_GET_WINS })
  await meshUp([...vaults, node.node])
  await node.create({ keyword: 'paying', pin: '2468', password: 'fair pay for apps' })
  const user = node.node.farmer
  await farm(node.node, vaults, 4)
  const developer = vaults[4]!.farmer
  const devBefore = developer.balance().coins

  const { id } = await grantedApp(node, home, {
    name: 'Priced',
    version: '1.0.0',
    developer_wallet: developer.walletId,
    usage_price: 2,
    permissions: { container: true, storage_bytes: 2 ** 20 },
  })
  const endpoint = { port: node.api.port, token: node.api.token }

  // granting pays the first period at once
  const paidTo = () =>
    user.history().entries.filter((e) => e.kind === 'sent' && e.peer === developer.walletId).length
  await waitFor(() => paidTo() === 2, 60_000, 'the first period paid')
  await node.apps.payments!.payDue()
  await node.apps.payments!.payDue()
  assert.equal(paidTo(), 2, 'asked again within the period, nothing more is paid')
  await node.apps.payments!.payDue(Date.now() + USAGE_PERIOD_MS)
  assert.equal(paidTo(), 4, 'the next period is paid')
  const [summary] = (await callApi(endpoint, 'apps-list', {})).apps
  assert.deepEqual(
    summary!.payments.map((p) => [p.due, p.paid, p.state]),
    [
      [2, 2, 'paid'],
      [2, 2, 'paid'],
    ],
  )

  await waitFor(() => developer.balance().coins === devBefore + 4, 90_000, 'the developer to collect 4 coins')
  const received = developer.db.ownedCoins(developer.walletId).slice(-4)
  for (const coin of received)
    assert.equal(await developer.verify(coin), true, 'each coin verifies in its group')

  await callApi(endpoint, 'apps-revoke', { id })
  await node.apps.payments!.payDue(Date.now() + 2 * USAGE_PERIOD_MS)
  assert.equal(paidTo(), 4, 'a revoked app is paid nothing')
  await node.stop()
})
