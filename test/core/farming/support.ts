// Farming on a loopback network made to pay at once, for tests that need coins in a wallet.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import type { PeerDriveNode } from '../../../main/core/node/index.ts'
import { closeGroup } from '../../../main/core/placement/index.ts'

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
