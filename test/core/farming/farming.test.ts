// Farming on a real loopback network: honest vaults earn coins their wallets
// can prove; lying vaults, forged and reused receipts, self-dealing, double
// mints and double spends earn nothing; a coin group with a silent member
// still reaches quorum; balances survive a restart.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress, sameBytes, toHex } from '../../../main/core/chunk-store.ts'
import { FARM_PROTOCOL, coinIdOf, signReceipt } from '../../../main/core/farming/index.ts'
import type { Request, Response } from '../../../main/core/net/messages.ts'
import type { VaultPeer } from '../../../main/core/net/vault-peer.ts'
import { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { startNodes, waitFor } from '../net/support.ts'
import { dropPuts, fourCopies } from './support.ts'

/** Every served chunk wins, and a vault vouches for a client as soon as it knows it: farming figures appear at once. */
const EVERY_GET_WINS = { target: 1, proofIntervalMs: 3_600_000, clientMinAgeMs: 0 }

async function putChunks(node: PeerDriveNode, count: number): Promise<Uint8Array[]> {
  const addresses: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(4096)
    const address = chunkAddress(bytes)
    await node.network.put(address, bytes)
    addresses.push(address)
  }
  return addresses
}

/** A chunk's close group as `node` sees it, and a reader outside it. */
function groupAndOutsider(nodes: PeerDriveNode[], address: Uint8Array) {
  const group = closeGroup(address, nodes[0]!.peers.withSelf(), 4).map((p) => p.key)
  const members = nodes.filter((n) => group.includes(n.peers.self.key))
  const outsider = nodes.find((n) => !group.includes(n.peers.self.key))!
  return { members, outsider }
}

/**
 * A reader that earns its server a coin: outside the chunk's group and
 * without a copy. A writer in the group keeps one more copy, on the fifth
 * closest vault, and a node holding the chunk reads its own copy for free.
 */
async function payingReader(nodes: PeerDriveNode[], address: Uint8Array): Promise<PeerDriveNode> {
  const { members } = groupAndOutsider(nodes, address)
  const holds = await Promise.all(nodes.map((n) => n.vault.has(address)))
  const reader = nodes.find((n, i) => !members.includes(n) && !holds[i])
  assert.ok(reader, 'a vault outside the group without a copy')
  return reader
}

/** One chunk stored, and the receipt (with its vouches) a reader outside its group signs for the closest member. */
async function servedOnce(nodes: PeerDriveNode[]) {
  const [address] = await putChunks(nodes[0]!, 1)
  const { members, outsider } = groupAndOutsider(nodes, address!)
  const vault = members[0]!
  const receipt = await outsider.farmer.receiptFor(vault.peers.self.key, toHex(address!))
  return { vault, outsider, receipt }
}

/** The close group of the coin a receipt would mint. */
const coinGroupOf = (node: PeerDriveNode, receipt: Parameters<typeof coinIdOf>[0]) =>
  closeGroup(Buffer.from(coinIdOf(receipt), 'hex'), node.peers.withSelf(), 4).map((p) => p.key)

async function settle(nodes: PeerDriveNode[]): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.all(nodes.map((n) => n.farmer.settled()))
}

test('honest vaults serving GETs earn coins that their wallets prove against the network', async (t) => {
  const nodes = await startNodes(t, 6, { farming: EVERY_GET_WINS })
  const addresses = await putChunks(nodes[0]!, 6)
  for (const address of addresses) assert.ok(await (await payingReader(nodes, address)).network.get(address))
  await settle(nodes)
  const earners = nodes.filter((n) => n.farmer.balance().coins > 0)
  const total = nodes.reduce((sum, n) => sum + n.farmer.balance().coins, 0)
  assert.equal(total, addresses.length, 'one coin per chunk served to a reader outside its group')
  for (const node of earners) {
    const b = node.farmer.balance()
    assert.equal(b.earned_today, b.coins)
    assert.equal(b.pending, 0)
    for (const proof of node.farmer.db.ownedCoins(b.wallet_id)) {
      assert.equal(proof.owner, b.wallet_id)
      assert.ok(proof.signatures.length >= 3)
      assert.equal(await node.farmer.verify(proof), true, 'the coin group agrees, by quorum')
    }
    assert.deepEqual(
      node.farmer.history().entries.map((e) => e.kind),
      Array(b.coins).fill('minted'),
    )
  }
})

test('forged, reused, stale and self-dealt receipts, double mints and claims from outside the group are refused', async (t) => {
  const nodes = await startNodes(t, 6, { farming: EVERY_GET_WINS })
  const [address] = await putChunks(nodes[0]!, 1)
  const { members, outsider } = groupAndOutsider(nodes, address!)
  const vault = members[0]!
  const chunk = toHex(address!)
  const receipt = (client = outsider, at?: number) =>
    client.farmer.receiptFor(vault.peers.self.key, chunk, at)
  const answer = (r: Awaited<ReturnType<typeof receipt>>, from = outsider) =>
    vault.farmer.answer({ t: 'receipt', receipt: r }, from.peers.self.key)

  const forged = { ...(await receipt()), client: members[1]!.peers.self.key }
  assert.deepEqual(await answer(forged, members[1]), {
    s: 'refused',
    reason: 'the receipt is not signed by its client',
  })
  const good = await receipt()
  assert.deepEqual(await answer(good), { s: 'ok' })
  assert.deepEqual(await answer(good), { s: 'refused', reason: 'the receipt was used already' })
  assert.deepEqual(await answer(await receipt(outsider, Date.now() - 3_600_000)), {
    s: 'refused',
    reason: 'the receipt is not fresh',
  })
  const selfDealt = await receipt(vault)
  assert.match((await answer(selfDealt, vault)).s, /refused/)
  await settle(nodes)
  assert.equal(vault.farmer.balance().coins, 1, 'only the good receipt minted')

  // straight to the coin group, past the vault's own checks
  const again = await vault.farmer.claim(good, vault.farmer.walletId)
  assert.equal(again.minted, false)
  assert.ok(again.refusals.includes('this coin was minted already'), again.refusals.join('; '))
  const self = await vault.farmer.claim(selfDealt, vault.farmer.walletId)
  assert.equal(self.minted, false)
  assert.ok(self.refusals.includes('self-dealing: the client is the vault'), self.refusals.join('; '))
  const fromOutside = signReceipt(members[1]!.identity, {
    chunk,
    vault: outsider.peers.self.key,
    client: members[1]!.peers.self.key,
  })
  const outsideClaim = await outsider.farmer.claim(fromOutside, outsider.farmer.walletId)
  assert.equal(outsideClaim.minted, false)
  assert.ok(
    outsideClaim.refusals.includes("the vault is not in the chunk's close group"),
    outsideClaim.refusals.join('; '),
  )
})

test('a vault that silently deleted its chunks fails storage proofs and its claims are refused', async (t) => {
  const nodes = await startNodes(t, 6, {
    // the liar answers at once; a long timeout keeps a busy machine from making honest vaults look silent
    farming: { target: 1, proofIntervalMs: 250, proofTimeoutMs: 10_000 },
  })
  const addresses = await putChunks(nodes[0]!, 8)
  await fourCopies(nodes, addresses)
  const liar = nodes.find((n) => [...n.vault.addresses()].length >= 3 && n !== nodes[0])!
  // it goes on lying: a copy placed on it again (a repair by a vault that has not judged it yet)
  // is acknowledged and dropped, so no proof it answers later can pass and win its trust back
  dropPuts(liar)
  const held = [...liar.vault.addresses()]
  for (const a of held) await liar.vault.delete(a)
  // the vaults that challenge it: each holds a chunk the liar held, in whose group both are (a
  // member whose copy went to the next vault when a put timed out on a loaded machine holds none)
  const witnesses: PeerDriveNode[] = []
  for (const n of nodes) {
    if (n === liar) continue
    for (const a of held)
      if (groupAndOutsider(nodes, a).members.includes(n) && (await n.vault.has(a))) {
        witnesses.push(n)
        break
      }
  }
  assert.ok(witnesses.length > 0, 'a vault shares a chunk with the liar')
  const liarKey = liar.peers.self.key
  // A witness challenges the liar for chunks it holds itself. One that has since handed its copies
  // on (repair and hand-off move copies as the vaults' trusted views change) has nothing to
  // challenge the liar for, and is no witness any more.
  const stillWitness = async (w: PeerDriveNode) => {
    for (const a of w.vault.addresses())
      if (w.farmer.validator.inGroup(toHex(a), liarKey) && (await w.vault.has(a))) return true
    return false
  }
  // on a timeout, what each witness saw of the liar says which step did not happen
  const seen = () =>
    witnesses
      .map((w) => {
        const shared = [...w.vault.addresses()].filter((a) => w.farmer.validator.inGroup(toHex(a), liarKey))
        return `${w.peers.self.key.slice(-6)}: trusted ${w.farmer.trust.isTrusted(liarKey)}, rounds ${w.farmer.prover.rounds}, knows it ${w.peers.has(liarKey)}, held chunks in its groups ${shared.length}`
      })
      .join('; ')
  await waitFor(
    async () => {
      for (const w of witnesses)
        if (w.farmer.trust.isTrusted(liarKey) && (await stillWitness(w))) return false
      return true
    },
    // generous: proof rounds answer slowly when the machine is loaded
    120_000,
    'every group peer to distrust the lying vault',
  ).catch((err: Error) => assert.fail(`${err.message} (${seen()})`))
  const judges = witnesses.filter((w) => !w.farmer.trust.isTrusted(liarKey))
  assert.ok(judges.length > 0, 'the vaults sharing its chunks distrust it')
  const reasons = judges.map((w) => w.farmer.trust.distrusted().find((d) => d.peer === liarKey)!.why)
  for (const reason of reasons) assert.match(reason, /missing the chunk/)
  // what it held is restored to four trusted vaults, and nothing new is placed on it
  const others = nodes.filter((n) => n !== liar)
  await waitFor(
    async () => {
      for (const a of held)
        if ((await Promise.all(others.map((n) => n.vault.has(a)))).filter(Boolean).length < 4) return false
      return true
    },
    120_000,
    "four trusted copies of the lying vault's chunks",
  )
  // Every request the vaults send: a vault that distrusts the liar never places a chunk on it,
  // nor does a vault asked by a REPLICATE to leave the liar out of that chunk. (A vault that has
  // not judged the liar yet may still repair onto it: it has no reason not to.)
  const placedOnLiar: { by: PeerDriveNode; address: string; distrusted: boolean }[] = []
  const toldToAvoid = new Set<string>()
  for (const n of nodes) {
    const spied = n as unknown as { ask(peer: VaultPeer, req: Request): Promise<Response> }
    const ask = spied.ask.bind(n)
    spied.ask = (peer, req) => {
      if (
        req.type === 'replicate' &&
        req.avoid?.some((id) => sameBytes(id, liar.peers.self.id.toMultihash().bytes))
      )
        toldToAvoid.add(`${peer.key} ${toHex(req.address)}`)
      if (req.type === 'put' && peer.key === liarKey)
        placedOnLiar.push({
          by: n,
          address: toHex(req.address),
          distrusted: !n.farmer.trust.isTrusted(liarKey),
        })
      return ask(peer, req)
    }
  }
  await putChunks(witnesses[0]!, 4)
  for (const { by, address, distrusted } of placedOnLiar) {
    assert.equal(distrusted, false, 'a vault that distrusts the liar placed a chunk on it')
    assert.ok(
      !toldToAvoid.has(`${by.peers.self.key} ${address}`),
      'a vault told to leave the liar out of a chunk placed it there',
    )
  }

  // a chunk whose close group has the liar in it: a writer in the group keeps one more copy, on the
  // fifth closest vault, and a claim from outside the group is refused for that before trust is asked
  const chunk = held.find((a) => groupAndOutsider(nodes, a).members.includes(liar))
  assert.ok(chunk, 'the liar is in the close group of a chunk it held')
  const { members } = groupAndOutsider(nodes, chunk)
  const client = nodes.find((n) => n !== liar && !members.includes(n)) ?? nodes.find((n) => n !== liar)!
  const receipt = signReceipt(client.identity, {
    chunk: toHex(chunk),
    vault: liar.peers.self.key,
    client: client.peers.self.key,
  })
  const claim = await liar.farmer.claim(receipt, liar.farmer.walletId)
  assert.equal(claim.minted, false)
  assert.ok(claim.refusals.includes('the vault failed its storage proofs'), claim.refusals.join('; '))
  assert.ok(addresses.length > 0)
})

test('a coin group with one silent member still reaches quorum, and a transfer moves the coin for good', async (t) => {
  const nodes = await startNodes(t, 7, { farming: EVERY_GET_WINS })
  const { vault, outsider, receipt } = await servedOnce(nodes)
  const coinGroup = coinGroupOf(vault, receipt)
  // silent: a member of the coin's group that is neither the claimant nor the coin's next owner
  const silent = nodes.find((n) => coinGroup.includes(n.peers.self.key) && n !== vault && n !== outsider)!
  await silent.host.unhandle(FARM_PROTOCOL)
  const minted = await vault.farmer.claim(receipt, vault.farmer.walletId)
  assert.equal(minted.minted, true, minted.refusals.join('; '))
  const [coin] = vault.farmer.db.ownedCoins(vault.farmer.walletId)
  assert.equal(coin!.signatures.length, 3)

  // the coin moves to the outsider's wallet; the sender cannot spend it again
  const recipient = outsider.farmer.walletId
  assert.deepEqual(await vault.farmer.send(1, recipient), { sent: 1 })
  assert.equal(vault.farmer.balance().coins, 0)
  await waitFor(() => outsider.farmer.balance().coins === 1, 60_000, 'the coin to reach its new owner')
  const [received] = outsider.farmer.db.ownedCoins(recipient)
  assert.equal(received!.seq, 2)
  assert.equal(await outsider.farmer.verify(received!), true)
  assert.equal(
    await vault.farmer.transfer(coin!, vault.farmer.walletId.replace(/^./, '0')),
    undefined,
    'double spend',
  )
  await assert.rejects(vault.farmer.send(1, recipient), { name: 'WalletError' })
  assert.deepEqual(
    outsider.farmer.history().entries.map((e) => e.kind),
    ['received'],
  )
})

test('balances and history survive a restart', async (t) => {
  // six: with the writer's own copy a chunk is on five, and a sixth vault reads it from the network
  const nodes = await startNodes(t, 6, { farming: EVERY_GET_WINS })
  const addresses = await putChunks(nodes[0]!, 4)
  for (const address of addresses) await (await payingReader(nodes, address)).network.get(address)
  await settle(nodes)
  const earner = nodes.find((n) => n.farmer.balance().coins > 0 && n !== nodes[0])!
  const before = { balance: earner.farmer.balance(), history: earner.farmer.history() }
  const dir = earner.vault.dir
  await earner.stop()
  const again = await PeerDriveNode.start({
    vaultDir: dir,
    bootstrap: nodes[0]!.multiaddrs(),
    farming: EVERY_GET_WINS,
  })
  t.after(() => again.stop())
  assert.deepEqual(again.farmer.balance(), before.balance)
  assert.deepEqual(again.farmer.history(), before.history)
})

test("vaults that join a coin's group after it was minted learn it from its proof: it still verifies and moves", async (t) => {
  const nodes = await startNodes(t, 8, { farming: EVERY_GET_WINS })
  const { vault, outsider, receipt } = await servedOnce(nodes)
  assert.equal((await vault.farmer.claim(receipt, vault.farmer.walletId)).minted, true)
  const [coin] = vault.farmer.db.ownedCoins(vault.farmer.walletId)
  const coinGroup = coinGroupOf(vault, receipt)
  const leaving = nodes
    .filter((n) => coinGroup.includes(n.peers.self.key) && n !== vault && n !== outsider)
    .slice(0, 2)
  assert.equal(leaving.length, 2)
  await Promise.all(leaving.map((n) => n.stop()))
  const left = leaving.map((n) => n.peers.self.key)
  await waitFor(
    () => !vault.peers.list().some((p) => left.includes(p.key)),
    30_000,
    'the leavers to be noticed',
  )
  const newGroup = closeGroup(Buffer.from(coinIdOf(receipt), 'hex'), vault.peers.withSelf(), 4)
  const newcomers = newGroup.filter((p) => !coinGroup.includes(p.key))
  assert.equal(newcomers.length, 2)

  assert.equal(await vault.farmer.verify(coin!), true, 'the newcomers took the row from the proof')
  const moved = await vault.farmer.transfer(coin!, outsider.farmer.walletId)
  assert.ok(moved, 'the coin moves with the new group')
  assert.ok(moved.signatures.some((s) => newcomers.some((p) => p.key === s.peer)))
  assert.equal(await vault.farmer.transfer(coin!, vault.farmer.walletId.replace(/^./, '0')), undefined)
})
