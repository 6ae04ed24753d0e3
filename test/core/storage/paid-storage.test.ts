// "Free storage for anyone", tried again where storage is paid: on real
// loopback vaults, a PUT without a ticket, with a ticket signed by ids ground
// outside the account's balance group, or beyond the account's allowance is
// refused with one clear line and nothing is kept. The honest path pays: an
// account whose vault its neighbours back stores its chunks at four copies.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import { periodOf } from '../../../main/core/farming/index.ts'
import { identitySigner } from '../../../main/core/farming/signing.ts'
import { requestChunk } from '../../../main/core/net/chunk-protocol.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closestFirst, kadKey } from '../../../main/core/placement/index.ts'
import { OwnerKey } from '../../../main/core/records/index.ts'
import { NO_TICKET } from '../../../main/core/storage/paid-check.ts'
import {
  balanceAddress,
  encodeLeaves,
  grantBytes,
  grantOf,
  grantRequestBytes,
  purchaseOwner,
} from '../../../main/core/storage/ticket.ts'
import type { Ticket } from '../../../main/core/storage/ticket.ts'
import { EVERY_GET_WINS, farm } from '../farming/support.ts'
import { startNodes, waitFor } from '../net/support.ts'
import { farthestClient, itemFor } from './support.ts'

const EARN = 600 * 1024
const PAID = {
  paidStorage: true,
  farming: { proofIntervalMs: 3_600_000, clientMinAgeMs: 0, storagePrices: { earnBytes: EARN } },
}

/**
 * A chunk whose close group `vault` heads and `client` is far from (beyond
 * 2R + 1, by the vault's view): the vault would keep it if it were paid for,
 * and the client is no vault of its group sending a repair.
 */
const chunkFor = (vault: PeerDriveNode, client: PeerDriveNode) =>
  itemFor(
    vault,
    client,
    () => {
      const bytes = randomBytes(64 * 1024)
      return { address: chunkAddress(bytes), bytes }
    },
    (c) => c.address,
  )

test('where storage is paid, a PUT without a ticket or with a forged one is refused and nothing is kept', async (t) => {
  // twelve: a chunk's group (and the 2R + 1 whose copies pass as repairs) leaves some vaults out
  const nodes = await startNodes(t, 12, PAID)
  const vault = nodes[0]!
  const { client, target } = farthestClient(nodes, vault)

  // no ticket: a client that is no vault of the chunk's group, and has no account paying
  const free = chunkFor(vault, client)
  assert.deepEqual(await requestChunk(client.host, target.id, { type: 'put', ...free }), {
    status: 'bad-request',
    reason: NO_TICKET,
  })
  assert.equal(await vault.vault.has(free.address), false, 'nothing kept')
  // the node's own put says it in one line
  await assert.rejects(client.network.putCopies(free.address, free.bytes), (err: Error) => {
    assert.match(err.message, /^could not store chunk [0-9a-f]{64}: storage is not paid for: /)
    return true
  })
  assert.equal(await vault.vault.has(free.address), false)

  // a ticket signed by three ids made offline for the account (never in its balance group)
  const account = toHex(OwnerKey.generate().publicKey)
  const forged = chunkFor(vault, client)
  const grant = grantOf(
    account,
    [{ address: forged.address, size: forged.bytes.length }],
    periodOf(Date.now()),
  )
  const signatures = await Promise.all(
    [0, 1, 2].map(async () => {
      const key = await generateKeyPair('Ed25519')
      return {
        peer: peerIdFromPrivateKey(key).toString(),
        signature: toHex(identitySigner(key).sign(grantBytes(grant))),
      }
    }),
  )
  const { root: _root, ...paid } = grant
  const ticket: Ticket = { ...paid, signatures, index: 0, path: [] }
  const res = await requestChunk(client.host, target.id, { type: 'put', ...forged, ticket })
  assert.deepEqual(res, {
    status: 'bad-request',
    reason: "storage is not paid for: the ticket is not signed by the account's balance group for this chunk",
  })
  assert.equal(await vault.vault.has(forged.address), false)
  for (const node of nodes) assert.equal(await node.vault.has(forged.address), false)

  // signed by three real vaults near the account's balance address, but not among its R + 1 nearest:
  // where ids ground near an address would sit without outnumbering its group. Refused
  const near = toHex(OwnerKey.generate().publicKey)
  const outer = closestFirst(kadKey(balanceAddress(near)), vault.trusted.withSelf())
    .slice(5, 8)
    .map((p) => nodes.find((n) => n.peers.self.key === p.key)!)
  const third = chunkFor(vault, client)
  const grantNear = grantOf(
    near,
    [{ address: third.address, size: third.bytes.length }],
    periodOf(Date.now()),
  )
  const { root: _r, ...paidNear } = grantNear
  const outerTicket: Ticket = {
    ...paidNear,
    signatures: outer.map((n) => ({
      peer: n.peers.self.key,
      signature: toHex(n.identity.sign(grantBytes(grantNear))),
    })),
    index: 0,
    path: [],
  }
  assert.deepEqual(
    await requestChunk(client.host, target.id, { type: 'put', ...third, ticket: outerTicket }),
    {
      status: 'bad-request',
      reason:
        "storage is not paid for: the ticket is not signed by the account's balance group for this chunk",
    },
  )
  for (const node of nodes) assert.equal(await node.vault.has(third.address), false)
})

test('an account whose vault is backed stores within its allowance, and is refused past it', async (t) => {
  const nodes = await startNodes(t, 8, PAID)
  const client = nodes[7]!
  const account = OwnerKey.generate()
  client.payStorageAs(account)

  // three chunks put at once are paid for (in one grant, unless the machine is slow), and each reaches four vaults
  const chunks = [0, 1, 2].map(() => {
    const bytes = randomBytes(100 * 1024)
    return { address: chunkAddress(bytes), bytes }
  })
  const copies = await Promise.all(chunks.map((c) => client.network.putCopies(c.address, c.bytes)))
  assert.deepEqual(copies, [4, 4, 4])
  const balance = await client.storageBalance(account)
  assert.ok(balance, 'the balance group answers')
  assert.equal(balance.used, 3 * 100 * 1024)
  assert.ok(balance.allowance >= EARN)

  // a chunk the network holds already is stored again at no charge: no grant is asked for
  const grantsBefore = client.network.payer
  let asked = 0
  client.network.payer = (address, size) => (asked++, grantsBefore!(address, size))
  assert.equal(await client.network.putCopies(chunks[0]!.address, chunks[0]!.bytes), 4)
  assert.equal(asked, 0, 'no ticket asked for a chunk the group holds')
  client.network.payer = grantsBefore
  assert.equal((await client.storageBalance(account))!.used, 3 * 100 * 1024)

  // the same batch asked for again (a retry, or a replay) is signed again and charged nothing more
  const leaves = [0, 1, 2].map(() => ({ address: randomBytes(32), size: 100 * 1024 }))
  assert.equal((await client.farmer.balances.pay(account, leaves)).length, 3)
  assert.equal((await client.storageBalance(account))!.used, 6 * 100 * 1024)
  assert.equal((await client.farmer.balances.pay(account, leaves)).length, 3)
  assert.equal((await client.storageBalance(account))!.used, 6 * 100 * 1024)
  // the account's request, replayed through another vault than the one it names, is refused by every member
  const period = periodOf(Date.now())
  const id = toHex(account.publicKey)
  const grant = grantOf(id, leaves, period)
  const auth = toHex(account.sign(grantRequestBytes(grant, client.peers.self.key)))
  const replayer = nodes[0]!
  const group = await replayer.farmer.validator.lookupGroup(toHex(balanceAddress(id)))
  for (const member of group.filter((p) => p.key !== replayer.peers.self.key)) {
    const res = await replayer.farmer.ask(member, {
      t: 'grant',
      account: id,
      period,
      leaves: encodeLeaves(leaves),
      auth,
      backs: [],
    })
    assert.deepEqual(res, { s: 'refused', reason: 'the request is not signed by the account' })
  }

  // a chunk larger than what is left is refused by the balance group, and no vault keeps it
  for (let attempt = 0; ; attempt++) {
    const period = periodOf(Date.now())
    const now = (await client.storageBalance(account))!
    const big = randomBytes(now.allowance - now.used + 1024)
    const address = chunkAddress(big)
    const refused = await client.network.putCopies(address, big).then(
      () => undefined,
      (err: Error) => err.message,
    )
    // an hour turning over in between grows the allowance: the check is made again
    if (periodOf(Date.now()) !== period && attempt === 0) continue
    assert.match(refused ?? '', /storage is not paid for: the storage allowance is used up/)
    for (const node of nodes) assert.equal(await node.vault.has(address), false)
    break
  }
})

test("a vault new to an account's balance group takes the group's row: churn neither resets its use nor adds a credit", async (t) => {
  const nodes = await startNodes(t, 10, PAID)
  const client = nodes[9]!
  const account = OwnerKey.generate()
  const id = toHex(account.publicKey)
  client.payStorageAs(account)
  const CHUNK = 100 * 1024
  const put = async () => {
    const bytes = randomBytes(CHUNK)
    assert.equal(await client.network.putCopies(chunkAddress(bytes), bytes), 4)
  }
  await put()
  const groupOf = async () =>
    (await client.farmer.validator.lookupGroup(toHex(balanceAddress(id)))).map((p) => p.key)
  const before = await groupOf()
  // a member leaves (not the client's own vault): the next closest vault joins the group, with no row
  const leaving = nodes.find((n) => n !== client && before.includes(n.peers.self.key))!
  await leaving.stop()
  let after: string[] = []
  await waitFor(
    async () => {
      client.trusted.relook?.(balanceAddress(id))
      after = await groupOf()
      return !after.includes(leaving.peers.self.key) && after.length === before.length
    },
    60_000,
    'the group without the member that left',
  )
  const joined = nodes.find((n) => n.peers.self.key === after.find((k) => !before.includes(k)))!
  assert.equal(joined.farmer.db.balance(id), undefined, 'the newcomer has no row yet')

  await put()
  const row = joined.farmer.db.balance(id)!
  // the group's use, then the new chunk; the members it asked may have charged that chunk already
  // (they pay the same batch at the same time), so the newcomer may count it twice, never not at all
  assert.ok(
    row.used === 2 * CHUNK || row.used === 3 * CHUNK,
    `the newcomer took the group's use (${row.used} bytes used)`,
  )
  const kept = nodes
    .filter((n) => n !== leaving && n !== joined && before.includes(n.peers.self.key))
    .map((n) => n.farmer.db.balance(id)!)
  for (const other of kept) {
    assert.equal(other.used, 2 * CHUNK)
    assert.equal(row.allowance, other.allowance, 'and no credit of its own on top')
  }
})

test('after the starter, a vault earns its account in proportion to what it holds for others, and nothing for holding nothing', async (t) => {
  // audits every second: the neighbours' tallies of what each vault holds follow the puts soon
  const nodes = await startNodes(t, 8, { ...PAID, auditIntervalMs: 1_000 })
  const period = periodOf(Date.now())
  const nextHour = async (node: PeerDriveNode, account: OwnerKey) => {
    const id = toHex(account.publicKey)
    const backs = await node.farmer.balances.backsFor(id, period + 1)
    assert.ok(backs.length >= 3, `backs for the next hour: ${backs.length}`)
    const group = await node.farmer.validator.lookupGroup(toHex(balanceAddress(id)))
    for (const member of group)
      await node.farmer.ask(member, { t: 'balance', account: id, period: period + 1, backs })
    return { backs, row: await groupRow(nodes, id) }
  }

  // a vault the network has placed nothing on: the starter, and nothing the hour after
  const idle = nodes[6]!
  const idleAccount = OwnerKey.generate()
  assert.equal((await idle.storageBalance(idleAccount))!.allowance, EARN, 'the starter allowance')
  const unheld = await nextHour(idle, idleAccount)
  assert.ok(
    unheld.backs.every((b) => b.held === 0),
    'its neighbours found it holding nothing',
  )
  assert.equal(unheld.row.allowance, EARN, 'holding nothing earns nothing more')

  // another account stores chunks: vault 7 holds its share of them for others
  const writer = nodes[0]!
  writer.payStorageAs(OwnerKey.generate())
  for (let i = 0; i < 8; i++) {
    const bytes = randomBytes(64 * 1024)
    assert.equal(await writer.network.putCopies(chunkAddress(bytes), bytes), 4)
  }
  const holder = nodes[7]!
  const holderKey = holder.peers.self.key
  const heldThere = [...holder.vault.addresses()].length
  assert.ok(heldThere > 0, 'vault 7 holds chunks for the writer')
  await waitFor(
    () => nodes.filter((n) => n.holdings.heldBy(holderKey) >= 64 * 1024).length >= 3,
    60_000,
    "three neighbours' audits to find vault 7 holding chunks",
  )
  const account = OwnerKey.generate()
  assert.equal((await holder.storageBalance(account))!.allowance, EARN)
  const { backs, row } = await nextHour(holder, account)
  // a quorum of vouchers found at least this much: the third largest figure of those signed
  const attested = backs.map((b) => b.held).sort((a, b) => b - a)[2]!
  assert.ok(attested > 0 && attested <= heldThere * 64 * 1024, `attested ${attested} bytes held`)
  assert.equal(row.allowance, EARN + Math.min(EARN, Math.floor(attested / 4)))
  assert.ok(row.allowance > EARN, 'holding for others earned more')
})

test('a vault its neighbours have known only a moment earns its account nothing yet, and the put says why', async (t) => {
  // the vouching age of a real network: neighbours back a vault they have known for 10 minutes
  const nodes = await startNodes(t, 8, { paidStorage: true, farming: { proofIntervalMs: 3_600_000 } })
  const client = nodes[7]!
  client.payStorageAs(OwnerKey.generate())
  const bytes = randomBytes(50 * 1024)
  const address = chunkAddress(bytes)
  await assert.rejects(client.network.putCopies(address, bytes), (err: Error) => {
    assert.match(err.message, /storage is not paid for: the account has no storage allowance yet/)
    assert.match(
      err.message,
      /this node's vault backs no account yet \(its neighbours must have known it for 10 minutes/,
    )
    return true
  })
  for (const node of nodes) if (node !== client) assert.equal(await node.vault.has(address), false)
})

test('coins spent on an account buy it storage once, and only that account', async (t) => {
  const COIN_BYTES = 5 * 2 ** 20
  const nodes = await startNodes(t, 8, {
    paidStorage: true,
    farming: { ...EVERY_GET_WINS, storagePrices: { earnBytes: EARN, coinBytes: COIN_BYTES } },
  })
  const [vault, writer] = [nodes[0]!, nodes[1]!]
  // the chunks farmed on are put by a vault paying as an account of its own
  writer.payStorageAs(OwnerKey.generate())
  await farm(vault, nodes.slice(1), 2)

  const buyer = toHex(OwnerKey.generate().publicKey)
  const other = toHex(OwnerKey.generate().publicKey)
  const [coin, second] = vault.farmer.db.ownedCoins(vault.farmer.walletId)
  const spent = await vault.farmer.transfer(coin!, purchaseOwner(buyer), undefined, false)
  assert.ok(spent, 'the coin moved to the purchase owner')
  assert.equal(await vault.farmer.balances.announcePurchase(buyer, spent), true)
  // told again, the group answers but credits nothing more; for another account, it refuses
  assert.equal(await vault.farmer.balances.announcePurchase(buyer, spent), true)
  assert.equal(await vault.farmer.balances.announcePurchase(other, spent), false)
  // the same coin named as another account's purchase, with its signatures: the coin's group disagrees
  assert.equal(
    await vault.farmer.balances.announcePurchase(other, { ...spent, owner: purchaseOwner(other) }),
    false,
  )

  assert.deepEqual(await vault.farmer.buyStorage(buyer, 1), { bought: 1 })
  const owned = vault.farmer.db.ownedCoins(vault.farmer.walletId).map((c) => c.id)
  assert.ok(!owned.includes(coin!.id) && !owned.includes(second!.id), 'both coins are spent')
  const row = await groupRow(nodes, buyer)
  assert.equal(row.bought, 2 * COIN_BYTES)
  assert.ok(row.allowance >= 2 * COIN_BYTES)
  const none = await groupRow(nodes, other).catch(() => undefined)
  assert.equal(none?.bought ?? 0, 0)
})

/** The account's row as a quorum of its balance group keeps it. */
async function groupRow(nodes: PeerDriveNode[], account: string) {
  const rows = nodes.flatMap((n) => {
    const row = n.farmer.db.balance(account)
    return row ? [row] : []
  })
  assert.ok(rows.length >= 3, `rows kept by ${rows.length} vaults`)
  return rows.sort((a, b) => a.bought - b.bought)[Math.floor((rows.length - 1) / 2)]!
}
