// Farming on a loopback network made to pay at once, for tests that need coins in a wallet.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'
import { holdersOf, waitFor } from '../net/support.ts'

/** Every served chunk wins, and a vault vouches for a client as soon as it knows it. */
export const EVERY_GET_WINS = { target: 1, proofIntervalMs: 3_600_000, clientMinAgeMs: 0 }

/** Serves chunks from `vault` to a reader outside each chunk's group until `vault` has farmed `coins` more. */
export async function farm(vault: PeerDriveNode, others: PeerDriveNode[], coins: number): Promise<void> {
  const want = vault.farmer.balance().coins + coins
  const all = [...others, vault]
  for (let i = 0; i < 200 && vault.farmer.balance().coins < want; i++) {
    const bytes = randomBytes(1024)
    const address = chunkAddress(bytes)
    const group = closeGroup(address, vault.peers.withSelf(), 4)
    if (group[0]?.key !== vault.peers.self.key) continue
    await others[0]!.network.put(address, bytes)
    const reader = all.find((n) => !group.some((p) => p.key === n.peers.self.key))!
    await reader.network.get(address)
    await Promise.all(all.map((n) => n.farmer.settled()))
  }
  assert.equal(vault.farmer.balance().coins, want)
}

/**
 * Waits until every chunk has its four copies. A vault replicates what a
 * client uploaded once after the PUT returns, and on a loaded machine a copy
 * can land later still: a test that empties a vault must do it after that,
 * or a late copy refills it.
 */
export async function fourCopies(nodes: PeerDriveNode[], addresses: Uint8Array[]): Promise<void> {
  await waitFor(
    async () => {
      for (const a of addresses) if ((await holdersOf(nodes, a)).length < 4) return false
      return true
    },
    120_000,
    'four copies of every chunk',
  )
}

/** Makes `node` acknowledge every chunk placed on it from now on and keep none: a vault that lies. */
export function dropPuts(node: PeerDriveNode): void {
  ;(node.vault as unknown as { put(a: Uint8Array, b: Uint8Array): Promise<void> }).put = async () => {}
}
