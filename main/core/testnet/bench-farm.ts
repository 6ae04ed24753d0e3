// `peerdrive bench farm`: what farming costs on a loopback network of vaults
// in this process. A coin claim (one request to each of the coin group's R
// members, each checking and signing) and a coin check (one ledger query to
// each member) are measured against a record GET from a close group of the
// same size, the network's plainest group round trip, in the same run.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chunkAddress, toHex } from '../chunk-store.ts'
import { PeerDriveNode } from '../node/index.ts'
import { closeGroup } from '../placement/index.ts'
import { OwnerKey, addressOf, signRecord } from '../records/index.ts'
import { median, percentile } from './stats.ts'

export interface FarmBenchResult {
  nodes: number
  rounds: number
  record_get_ms_p50: number
  claim_ms_p50: number
  claim_ms_p99: number
  verify_ms_p50: number
  claim_vs_record_get: number
  verify_vs_record_get: number
  /** One storage-proof round: up to 4 held chunks, each other group member challenged. */
  proof_round_ms_p50: number
}

export async function benchFarm(
  opts: { nodes?: number; rounds?: number; log?: (line: string) => void } = {},
): Promise<FarmBenchResult> {
  const count = opts.nodes ?? 8
  const rounds = opts.rounds ?? 40
  const log = opts.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-bench-farm-'))
  const nodes: PeerDriveNode[] = []
  try {
    const start = (i: number, bootstrap: string[]) =>
      PeerDriveNode.start({
        vaultDir: join(dir, `v${i}`),
        capacity: 256 * 2 ** 20,
        bootstrap,
        // every GET wins; vaults vouch for readers at once, and a reader may make vaults earn every round
        farming: { target: 1, proofIntervalMs: 3_600_000, clientMinAgeMs: 0, clientSlots: 1 << 16 },
      })
    nodes.push(await start(0, []))
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: count - 1 }, (_, i) => start(i + 1, nodes[0]!.multiaddrs())),
      )),
    )
    const deadline = Date.now() + 60_000
    // each vault keeps links to its 2R closest vaults (all of them in a network of 2R + 1 or fewer)
    const neighbours = Math.min(count - 1, 8)
    while (!nodes.every((n) => n.peers.size >= neighbours)) {
      if (Date.now() > deadline) throw new Error('the bench network did not meet its neighbours in 60 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    log(`${count} vaults up; ${rounds} rounds`)

    const owner = OwnerKey.generate()
    const record = signRecord(owner, { name: 'bench', version: 1, payload: randomBytes(512) })
    await nodes[0]!.records.put(record)
    const recordMs: number[] = []
    const claimMs: number[] = []
    const verifyMs: number[] = []
    for (let i = 0; i < rounds; i++) {
      const reader = nodes[i % count]!
      let t0 = performance.now()
      await reader.records.get(addressOf(record))
      recordMs.push(performance.now() - t0)

      const bytes = randomBytes(64 * 1024)
      const address = chunkAddress(bytes)
      await nodes[0]!.network.put(address, bytes)
      const group = closeGroup(address, nodes[0]!.peers.withSelf(), 4)
      const vault = nodes.find((n) => n.peers.self.key === group[0]!.key)!
      const client = nodes.find((n) => !group.some((p) => p.key === n.peers.self.key))!
      const receipt = await client.farmer.receiptFor(vault.peers.self.key, toHex(address))
      t0 = performance.now()
      const claim = await vault.farmer.claim(receipt, vault.farmer.walletId)
      claimMs.push(performance.now() - t0)
      if (!claim.minted) throw new Error(`a claim was refused: ${claim.refusals.join('; ')}`)
      const coin = vault.farmer.db.ownedCoins(vault.farmer.walletId).at(-1)!
      t0 = performance.now()
      if (!(await vault.farmer.verify(coin))) throw new Error('a minted coin did not verify')
      verifyMs.push(performance.now() - t0)
    }
    const proofMs: number[] = []
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now()
      await nodes[i % count]!.farmer.prover.round()
      proofMs.push(performance.now() - t0)
    }
    const recordGet = median(recordMs)
    const r = (x: number) => Number(x.toFixed(2))
    return {
      nodes: count,
      rounds,
      record_get_ms_p50: r(recordGet),
      claim_ms_p50: r(median(claimMs)),
      claim_ms_p99: r(percentile(claimMs, 99)),
      verify_ms_p50: r(median(verifyMs)),
      claim_vs_record_get: r(median(claimMs) / recordGet),
      verify_vs_record_get: r(median(verifyMs) / recordGet),
      proof_round_ms_p50: r(median(proofMs)),
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})))
    await rm(dir, { recursive: true, force: true })
  }
}
