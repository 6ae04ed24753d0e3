// Storage proofs against vaults that dodge them, on a real loopback network:
// a vault that refuses every proof, or claims to be full while holding what it
// should, is distrusted like one that fails; every close-group neighbour is
// challenged every round; and a judgement survives the judge's restart.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { chunkAddress, toHex } from '../../../main/core/chunk-store.ts'
import type { FarmResponse } from '../../../main/core/farming/index.ts'
import { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { startNodes, waitFor } from '../net/support.ts'
import { dropPuts, fourCopies } from './support.ts'

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

/** Makes `node` answer every storage proof with `answer`, serving everything else as before. */
function dodgeProofs(node: PeerDriveNode, answer: FarmResponse): void {
  const honest = node.farmer.answer.bind(node.farmer)
  node.farmer.answer = async (req, from) => (req.t === 'prove' ? answer : honest(req, from))
}

/** The vaults that share the close group of a chunk with `node`, as each of them sees it. */
function witnessesOf(nodes: PeerDriveNode[], node: PeerDriveNode, addresses: Uint8Array[]): PeerDriveNode[] {
  return nodes.filter(
    (w) =>
      w !== node &&
      addresses.some((a) => {
        const group = closeGroup(a, w.peers.withSelf(), 4).map((p) => p.key)
        return group.includes(w.peers.self.key) && group.includes(node.peers.self.key)
      }),
  )
}

test('vaults that refuse every storage proof, or answer "vault full" while holding chunks, are distrusted; the judgement survives a restart', async (t) => {
  const farming = { target: 1e-12, proofIntervalMs: 250, proofTimeoutMs: 10_000 }
  const nodes = await startNodes(t, 7, { farming })
  const addresses = await putChunks(nodes[0]!, 12)
  const holding = await Promise.all(nodes.map(async (n) => [...n.vault.addresses()].length))
  const [refuser, fullLiar] = nodes.filter((n, i) => n !== nodes[0] && holding[i]! >= 3)
  assert.ok(refuser && fullLiar, 'two vaults holding chunks')
  dodgeProofs(refuser, { s: 'refused', reason: 'not now' })
  dodgeProofs(fullLiar, { s: 'refused', reason: 'vault full' })

  for (const liar of [refuser, fullLiar]) {
    const witnesses = witnessesOf(nodes, liar, addresses).filter((w) => w !== refuser && w !== fullLiar)
    assert.ok(witnesses.length > 0, 'the liar shares a chunk group with honest vaults')
    await waitFor(
      () => witnesses.every((w) => !w.farmer.trust.isTrusted(liar.peers.self.key)),
      // rounds wait for every answer (up to 10 s each) on a machine that may be loaded
      180_000,
      'every honest group peer to distrust the vault that dodges its proofs',
    )
  }
  const judge = nodes.find(
    (n) =>
      n !== refuser && n !== fullLiar && n !== nodes[0] && !n.farmer.trust.isTrusted(refuser.peers.self.key),
  )!
  const why = (n: PeerDriveNode, liar: PeerDriveNode) =>
    n.farmer.trust.distrusted().find((d) => d.peer === liar.peers.self.key)?.why
  assert.match(why(judge, refuser)!, /refused/)
  if (!judge.farmer.trust.isTrusted(fullLiar.peers.self.key))
    assert.match(why(judge, fullLiar)!, /vault full/)
  const before = judge.farmer.trust.distrusted()

  // the judge restarts: it still distrusts the liars, for the same reasons, before any new round
  const dir = judge.vault.dir
  await judge.stop()
  const again = await PeerDriveNode.start({
    vaultDir: dir,
    bootstrap: nodes[0]!.multiaddrs(),
    farming: { ...farming, proofIntervalMs: 3_600_000 },
  })
  t.after(() => again.stop())
  assert.deepEqual(
    again.farmer.trust.distrusted().sort((a, b) => a.peer.localeCompare(b.peer)),
    before.sort((a, b) => a.peer.localeCompare(b.peer)),
  )
  assert.equal(again.farmer.trust.isTrusted(refuser.peers.self.key), false)
})

test('every close-group neighbour is challenged every round: a vault holding nothing it should is distrusted within two rounds', async (t) => {
  // rounds run by hand, so that they can be counted
  // no audit: nothing is repaired onto the emptied vault between the rounds
  const nodes = await startNodes(t, 10, {
    auditIntervalMs: 3_600_000,
    farming: { target: 1e-12, proofIntervalMs: 3_600_000, proofTimeoutMs: 10_000 },
  })
  const addresses = await putChunks(nodes[0]!, 24)
  await fourCopies(nodes, addresses)
  const holding = await Promise.all(nodes.map(async (n) => [...n.vault.addresses()].length))
  const empty = nodes.find((n, i) => n !== nodes[0] && holding[i]! >= 2)!
  // it keeps nothing placed on it later either, so no challenge can find a chunk on it
  dropPuts(empty)
  for (const a of [...empty.vault.addresses()]) await empty.vault.delete(a)
  // witnesses: honest vaults that hold a chunk whose group, as they see it, includes the emptied vault
  const witnesses: PeerDriveNode[] = []
  for (const w of nodes) {
    if (w === empty) continue
    const held = [...w.vault.addresses()].map(toHex)
    if (
      held.some((hex) =>
        closeGroup(Buffer.from(hex, 'hex'), w.peers.withSelf(), 4).some(
          (p) => p.key === empty.peers.self.key,
        ),
      )
    )
      witnesses.push(w)
  }
  assert.ok(witnesses.length >= 2, `witnesses: ${witnesses.length}`)
  for (let round = 1; round <= 2; round++) await Promise.all(witnesses.map((w) => w.farmer.prover.round()))
  for (const w of witnesses)
    assert.equal(
      w.farmer.trust.isTrusted(empty.peers.self.key),
      false,
      `after two rounds, a witness holding ${[...w.vault.addresses()].length} chunks still trusts the empty vault`,
    )
  assert.ok(addresses.length > 0)
})
