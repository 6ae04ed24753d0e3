// The "coins without work" attack on real loopback vaults: receipts
// signed offline — by a key that was never on the network, for chunks that
// do not exist, or ground over slots for chunks that do — mint nothing beyond
// what one costly client identity may make vaults earn; honest GETs still mint.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import {
  attemptHash,
  periodOf,
  signReceipt,
  underTarget,
  vouchBytes,
} from '../../../main/core/farming/index.ts'
import type { Receipt } from '../../../main/core/farming/index.ts'
import { identitySigner } from '../../../main/core/farming/signing.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import type { OwnerKey } from '../../../main/core/records/index.ts'
import { startNodes } from '../net/support.ts'

const TARGET = 1 / 16
const SLOTS = 4
const FARMING = { target: TARGET, clientSlots: SLOTS, clientMinAgeMs: 0, proofIntervalMs: 3_600_000 }

/** An address whose close group, as `vault` sees it, has `vault` in it. */
function addressNear(vault: PeerDriveNode): string {
  for (;;) {
    const address = randomBytes(32)
    if (closeGroup(address, vault.peers.withSelf(), 4).some((p) => p.key === vault.peers.self.key))
      return toHex(address)
  }
}

/** Signs receipts offline until one wins: what grinding costs is signatures, not GETs. */
function grind(
  signer: OwnerKey,
  fields: { chunk: string; vault: string; client: string; slot?: number },
): { receipt: Receipt; tries: number } {
  for (let tries = 1; ; tries++) {
    const receipt = signReceipt(signer, fields)
    if (underTarget(attemptHash(receipt), TARGET)) return { receipt, tries }
  }
}

async function claimAll(vault: PeerDriveNode, receipts: Receipt[]) {
  let minted = 0
  const refusals = new Set<string>()
  for (const receipt of receipts) {
    const result = await vault.farmer.claim(receipt, vault.farmer.walletId)
    if (result.minted) minted++
    for (const r of result.refusals) refusals.add(r)
  }
  return { minted, refusals: [...refusals] }
}

test('receipts ground offline mint no coin: a throwaway key, chunks that do not exist, slots past the limit', async (t) => {
  const nodes = await startNodes(t, 6, { farming: FARMING })
  const attacker = nodes[5]!
  const accomplice = nodes[4]!
  const vault = attacker.peers.self.key

  // 1. the attack: a key never on the network, random addresses near the vault, ground offline
  const privateKey = await generateKeyPair('Ed25519')
  const throwaway = identitySigner(privateKey)
  const client = peerIdFromPrivateKey(privateKey).toString()
  const started = performance.now()
  let tries = 0
  const ground: Receipt[] = []
  for (let i = 0; i < 12; i++) {
    const won = grind(throwaway, { chunk: addressNear(attacker), vault, client, slot: i % SLOTS })
    tries += won.tries
    // the attacker's own vaults vouch for the key: neither counts (one is the vault paid, one is not a quorum)
    const period = periodOf(won.receipt.at)
    won.receipt.vouches = [attacker, accomplice].map((n) => ({
      peer: n.peers.self.key,
      signature: Buffer.from(n.identity.sign(vouchBytes(client, period))).toString('hex'),
    }))
    ground.push(won.receipt)
  }
  const groundMs = performance.now() - started
  const throwawayClaims = await claimAll(attacker, ground)
  t.diagnostic(
    `throwaway key: ${tries} receipts ground in ${groundMs.toFixed(0)} ms, ${ground.length} claimed`,
  )
  assert.equal(throwawayClaims.minted, 0, 'no coin from a key that was never on the network')
  assert.ok(
    throwawayClaims.refusals.includes('the client is not vouched for by the vaults near it'),
    throwawayClaims.refusals.join('; '),
  )
  // nor will any honest vault vouch for a key it never knew as a vault: the vouch is for the asking peer
  assert.deepEqual(await nodes[0]!.farmer.validator.vouch(client, periodOf(Date.now())), {
    s: 'refused',
    reason: 'not a vault this vault knows',
  })

  // 2. a real, vouched client identity the attacker also runs, for addresses nobody holds
  const missing: Receipt[] = []
  while (missing.length < SLOTS) {
    const receipt = await accomplice.farmer.receiptFor(vault, addressNear(attacker))
    if (receipt.vouches.length > 0) missing.push(receipt)
  }
  const missingClaims = await claimAll(attacker, missing)
  assert.equal(missingClaims.minted, 0, 'no coin for chunks that do not exist')
  assert.ok(
    missingClaims.refusals.includes('the chunk is not held by its close group'),
    missingClaims.refusals.join('; '),
  )

  // 3. the same identity ground over real chunks the attacker's vault holds, every slot tried twice and past the limit
  const held: string[] = []
  while (held.length < 3) {
    const bytes = randomBytes(4096)
    const address = chunkAddress(bytes)
    await nodes[0]!.network.put(address, bytes)
    const inGroup = closeGroup(address, attacker.peers.withSelf(), 4).some((p) => p.key === vault)
    if (inGroup && (await attacker.vault.has(address))) held.push(toHex(address))
  }
  const vouches = await accomplice.farmer.vouchesFor(periodOf(Date.now()))
  assert.ok(vouches.length >= 3, 'the accomplice is a vault its neighbours vouch for')
  const client2 = accomplice.peers.self.key
  const slotGrind: Receipt[] = []
  for (const slot of [0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6]) {
    const { receipt } = grind(accomplice.identity, {
      chunk: held[slot % held.length]!,
      vault,
      client: client2,
      slot,
    })
    slotGrind.push({ ...receipt, vouches })
  }
  const slotClaims = await claimAll(attacker, slotGrind)
  assert.equal(slotClaims.minted, SLOTS, 'one client identity makes vaults earn at most its slots a period')
  assert.ok(slotClaims.refusals.includes('this coin was minted already'), slotClaims.refusals.join('; '))
  assert.ok(
    slotClaims.refusals.includes('the client has made vaults earn its limit this period'),
    slotClaims.refusals.join('; '),
  )
})

test('honest GETs of stored chunks by vouched readers still mint at the same target', async (t) => {
  const nodes = await startNodes(t, 6, { farming: FARMING })
  const coins = () => nodes.reduce((sum, n) => sum + n.farmer.balance().coins, 0)
  // a GET wins one time in sixteen: read fresh chunks from vaults outside their groups until one does
  for (let i = 0; i < 400 && coins() === 0; i++) {
    const bytes = randomBytes(4096)
    const address = chunkAddress(bytes)
    await nodes[0]!.network.put(address, bytes)
    const group = closeGroup(address, nodes[0]!.peers.withSelf(), 4).map((p) => p.key)
    const holds = await Promise.all(nodes.map((n) => n.vault.has(address)))
    const reader = nodes.find((n, j) => !group.includes(n.peers.self.key) && !holds[j])
    if (!reader) continue
    await reader.network.get(address)
    await Promise.all(nodes.map((n) => n.farmer.settled()))
  }
  assert.ok(coins() >= 1, 'a real GET by a vouched reader minted a coin')
  const earner = nodes.find((n) => n.farmer.balance().coins > 0)!
  const [coin] = earner.farmer.db.ownedCoins(earner.farmer.walletId)
  assert.equal(await earner.farmer.verify(coin!), true)
})

test('a vault new to its neighbours is not vouched for until it has been among them for the minimum age', async (t) => {
  const nodes = await startNodes(t, 6, { farming: { ...FARMING, target: 1, clientMinAgeMs: 3_600_000 } })
  const [vault, reader] = [nodes[0]!, nodes[5]!]
  const period = periodOf(Date.now())
  assert.deepEqual(await vault.farmer.validator.vouch(reader.peers.self.key, period), {
    s: 'refused',
    reason: 'known here for too short a time',
  })
  // the first sighting is kept, so asking again (or restarting) does not start the clock again
  const since = vault.farmer.db.firstSeen(reader.peers.self.key)
  assert.ok(since !== undefined && Date.now() - since < 3_600_000)
  assert.deepEqual(await reader.farmer.vouchesFor(period), [])

  const bytes = randomBytes(4096)
  const address = chunkAddress(bytes)
  await vault.network.put(address, bytes)
  const group = closeGroup(address, vault.peers.withSelf(), 4)
  const earner = nodes.find((n) => group.some((p) => p.key === n.peers.self.key) && n !== reader)!
  const receipt = await reader.farmer.receiptFor(earner.peers.self.key, toHex(address))
  const claim = await earner.farmer.claim(receipt, earner.farmer.walletId)
  assert.equal(claim.minted, false)
  assert.ok(
    claim.refusals.includes('the client is not vouched for by the vaults near it'),
    claim.refusals.join('; '),
  )
})

test('a vault new to its neighbours mints nothing until they have known it for the minimum age', async (t) => {
  const nodes = await startNodes(t, 6, { farming: { ...FARMING, target: 1, clientMinAgeMs: 3_600_000 } })
  const reader = nodes[5]!
  // every vault has known the reader for two hours, and the others only since they started
  for (const n of nodes) n.farmer.db.sawPeers([reader.peers.self.key], Date.now() - 2 * 3_600_000)
  const period = periodOf(Date.now())
  assert.ok((await reader.farmer.vouchesFor(period)).length >= 3, 'the reader is vouched for')

  const bytes = randomBytes(4096)
  const address = chunkAddress(bytes)
  await nodes[0]!.network.put(address, bytes)
  const group = closeGroup(address, nodes[0]!.peers.withSelf(), 4)
  const earner = nodes.find((n) => group.some((p) => p.key === n.peers.self.key) && n !== reader)!
  assert.ok((await earner.farmer.vouchesFor(period)).length < 3, 'the earner is too new to be vouched for')
  const receipt = await reader.farmer.receiptFor(earner.peers.self.key, toHex(address))
  const claim = await earner.farmer.claim(receipt, earner.farmer.walletId)
  assert.equal(claim.minted, false)
  assert.ok(
    claim.refusals.some((r) => r.startsWith('the vault is not vouched for by the vaults near it')),
    claim.refusals.join('; '),
  )
  assert.equal(earner.farmer.balance().coins, 0)
})
