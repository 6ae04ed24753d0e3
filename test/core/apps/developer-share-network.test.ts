// The developer's share of farming on a real loopback network: chunks an app
// reads through the node carry its developer wallet on their receipts, and
// the coins those GETs mint go to that wallet when the share falls on them,
// checked by each coin's group. Data an app published names its developer
// wherever it is read; other public data read without an app pays the
// serving vaults as before.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import { publish } from '../../../main/core/apps/index.ts'
import { tempDir } from '../../helpers.ts'
import { everyAddress, startDriveNode } from '../account/support.ts'
import { EVERY_GET_WINS } from '../farming/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'
import { grantedApp } from './support.ts'

/** Every GET wins, every coin an app's GET mints is its developer's, and a client has slots to spare. */
const FARMING = { ...EVERY_GET_WINS, developerShare: 1, clientSlots: 256 }

test("coins minted on an app's reads and on reads of its published data go to its developer, verified by their groups; other reads pay the vaults", async (t) => {
  const vaults = await startNodes(t, 5, { farming: FARMING })
  const home = await tempDir(t)
  const node = await startDriveNode(t, everyAddress(vaults), { home, farming: FARMING })
  await meshUp([...vaults, node.node])
  await node.create({ keyword: 'album', pin: '1357', password: 'photos for everyone' })
  const developer = vaults[4]!.farmer
  const endpoint = { port: node.api.port, token: node.api.token }

  const { app } = await grantedApp(node, home, {
    name: 'Album',
    version: '1.0.0',
    developer_wallet: developer.walletId,
    usage_price: 0,
    permissions: { container: true, publish: true, storage_bytes: 4 * 2 ** 20 },
  })
  for (let i = 0; i < 6; i++) await app.writeFile(`album/photo-${i}.bin`, randomBytes(20_000))
  const address = await app.publish('album')

  const everyone = [...vaults, node.node]
  const settle = async () => {
    for (let i = 0; i < 3; i++) await Promise.all(everyone.map((n) => n.farmer.settled()))
  }
  await settle()
  // coins the other vaults minted for themselves on this client's GETs (their repairs among themselves aside)
  const client = node.node.peers.self.key
  const vaultCoins = () =>
    vaults
      .slice(0, 4)
      .flatMap((v) => v.farmer.history().entries)
      .filter((e) => e.kind === 'minted' && e.peer === client).length
  const developerCoins = () => developer.db.ownedCoins(developer.walletId).length
  const vaultsBefore = vaultCoins()
  const developerBefore = developerCoins()

  const album = await app.fetchPublic(address)
  assert.equal(album.files.length, 6)
  await settle()
  await waitFor(() => developerCoins() > developerBefore, 90_000, 'the developer to collect its share')
  assert.equal(
    vaultCoins(),
    vaultsBefore,
    "with the whole share the developer's, the other vaults minted nothing",
  )
  const [summary] = (await callApi(endpoint, 'apps-list', {})).apps
  assert.ok(summary!.usage.developer_coins >= 1, 'the app shows what its reads won its developer')
  const gained = developer.db.ownedCoins(developer.walletId).slice(developerBefore)
  for (const coin of gained)
    assert.equal(await developer.verify(coin), true, 'each coin verifies in its group')

  // the app's album read without an app (peerdrive get): its index names the developer, who is paid
  const developerAfterApp = developerCoins()
  const fetched = await callApi(endpoint, 'public-get', { address })
  assert.equal(fetched.files.length, 6)
  await settle()
  await waitFor(
    () => developerCoins() > developerAfterApp,
    90_000,
    'the developer to be paid for its published data',
  )
  // only the index chunk, read before it names the developer, may have paid its vault
  assert.ok(vaultCoins() <= vaultsBefore + 1, `${vaultCoins() - vaultsBefore} coin(s) to vaults`)
  const vaultsAfterIndex = vaultCoins()

  // public data no app published, read without an app: the serving vaults are paid
  const plain = await publish(node.node.network, {
    kind: 'folder',
    name: 'plain',
    files: Array.from({ length: 6 }, (_, i) => ({ path: `f${i}.bin`, bytes: randomBytes(20_000) })),
  })
  assert.equal((await callApi(endpoint, 'public-get', { address: plain })).files.length, 6)
  await settle()
  // generous: each claim asks the coin's group, the chunk's holders and the client's vouchers, slow under load;
  // on a timeout, what each vault has pending says whether claims stalled or never began
  await waitFor(() => vaultCoins() > vaultsAfterIndex, 180_000, 'the serving vaults to mint').catch(
    (err: Error) =>
      assert.fail(
        `${err.message} (pending claims per vault: ${vaults.map((v) => v.farmer.balance().pending).join(', ')})`,
      ),
  )
  await node.stop()
})
