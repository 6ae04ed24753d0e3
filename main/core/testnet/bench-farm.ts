// `peerdrive bench farm`: what farming costs on a loopback network of vaults
// in this process. A coin claim (one request to each of the coin group's R
// members, each checking and signing) and a coin check (one ledger query to
// each member) are measured against a record GET from a close group of the
// same size, the network's plainest group round trip, in the same run.
// Receipts: chunk GETs with receipts against the same GETs without, at
// target 1 and at the default target (a second network). Paid storage: a
// grant for a batch of chunks, and a batch of PUTs paid for against the same
// PUTs on the second network, which stores without tickets.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chunkAddress, toHex } from '../chunk-store.ts'
import { DEFAULT_FARMING_TARGET } from '../farming/index.ts'
import { requestChunk } from '../net/chunk-protocol.ts'
import { NetworkChunkStore } from '../net/network-store.ts'
import { PeerDriveNode } from '../node/index.ts'
import type { NodeOptions } from '../node/index.ts'
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
  /** GET throughput with receipts sent over throughput without, at target 1 and at the default target. */
  receipt_overhead_ratio_target_1: number
  receipt_overhead_ratio: number
  /** A balance group paying for a batch of 16 chunks (one grant). */
  grant_ms_p50: number
  /** 16 chunks of 64 KiB put at once, paid for, and on the network that stores without tickets. */
  paid_put_batch_ms_p50: number
  free_put_batch_ms_p50: number
  paid_vs_free_put: number
}

const CHUNK = 64 * 1024
const BATCH = 16

/** GETs of these chunks, 8 at a time, in bytes a second; `get` with receipts or without. */
async function getThroughput(
  addresses: Uint8Array[],
  get: (a: Uint8Array) => Promise<Uint8Array>,
): Promise<number> {
  const t0 = performance.now()
  let next = 0
  const lane = async () => {
    while (next < addresses.length) await get(addresses[next++]!)
  }
  await Promise.all(Array.from({ length: 8 }, lane))
  return (addresses.length * CHUNK) / ((performance.now() - t0) / 1000)
}

/** A store on the node's routing that sends no receipts: the GET path without farming. */
function withoutReceipts(node: PeerDriveNode): NetworkChunkStore {
  return new NetworkChunkStore({
    peers: node.trusted,
    ask: (peer, req) => requestChunk(node.host, peer.id, req),
  })
}

/**
 * Chunks put by `node`, then read by `reader` with receipts and without, five
 * times, the order swapped each time (what runs second meets the first's
 * leftovers): the median ratio of the throughputs.
 */
async function receiptOverhead(node: PeerDriveNode, reader: PeerDriveNode, chunks: number): Promise<number> {
  const ratios: number[] = []
  const bare = withoutReceipts(reader)
  const put = async () => {
    const bytes = randomBytes(CHUNK)
    const address = chunkAddress(bytes)
    await node.network.put(address, bytes)
    return address
  }
  for (let round = 0; round < 5; round++) {
    const withSet = await Promise.all(Array.from({ length: chunks }, put))
    const withoutSet = await Promise.all(Array.from({ length: chunks }, put))
    const withReceipts = async () => {
      const rate = await getThroughput(withSet, (a) => reader.network.get(a))
      // the receipts still waiting in their batches are part of the cost
      await reader.farmer.settled()
      return rate
    }
    const without = () => getThroughput(withoutSet, (a) => bare.get(a))
    if (round % 2 === 0) ratios.push((await withReceipts()) / (await without()))
    else {
      const plain = await without()
      ratios.push((await withReceipts()) / plain)
    }
  }
  return median(ratios)
}

/** 16 chunks of 64 KiB put at once by `node`, `batches` times: the median time of a batch. */
async function putBatches(node: PeerDriveNode, batches: number): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < batches; i++) {
    const chunks = Array.from({ length: BATCH }, () => randomBytes(CHUNK))
    const t0 = performance.now()
    await Promise.all(chunks.map((bytes) => node.network.put(chunkAddress(bytes), bytes)))
    times.push(performance.now() - t0)
  }
  return median(times)
}

async function startNetwork(
  dir: string,
  count: number,
  farming: NodeOptions['farming'],
  paidStorage: boolean,
): Promise<PeerDriveNode[]> {
  const nodes: PeerDriveNode[] = []
  const start = (i: number, bootstrap: string[]) =>
    PeerDriveNode.start({
      vaultDir: join(dir, `v${i}`),
      capacity: 256 * 2 ** 20,
      bootstrap,
      farming,
      paidStorage,
    })
  try {
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
    return nodes
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})))
    throw err
  }
}

export async function benchFarm(
  opts: { nodes?: number; rounds?: number; log?: (line: string) => void } = {},
): Promise<FarmBenchResult> {
  const count = opts.nodes ?? 8
  const rounds = opts.rounds ?? 40
  // the receipt and put figures scale with the rounds asked for: a short run is a quick look
  const getChunks = Math.max(8, Math.min(256, rounds * 6))
  const batches = Math.max(2, Math.min(10, Math.floor(rounds / 4)))
  const log = opts.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-bench-farm-'))
  const nodes: PeerDriveNode[] = []
  const plain: PeerDriveNode[] = []
  try {
    // every GET wins; vaults vouch for readers at once, and a reader may make vaults earn every round;
    // storage is paid for, and an hour's allowance covers the bench
    const farming = { target: 1, proofIntervalMs: 3_600_000, clientMinAgeMs: 0, clientSlots: 1 << 16 }
    nodes.push(
      ...(await startNetwork(
        join(dir, 'paid'),
        count,
        { ...farming, storagePrices: { earnBytes: 2 ** 30 } },
        true,
      )),
    )
    const payer = OwnerKey.generate()
    nodes[0]!.payStorageAs(payer)
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
    log('paid storage: grants and batches of puts')
    const grantMs: number[] = []
    for (let i = 0; i < batches; i++) {
      const leaves = Array.from({ length: BATCH }, () => ({ address: randomBytes(32), size: CHUNK }))
      const t0 = performance.now()
      await nodes[0]!.farmer.balances.pay(payer, leaves)
      grantMs.push(performance.now() - t0)
    }
    const paidPut = await putBatches(nodes[0]!, batches)
    // last on this network: at target 1 every GET mints, and the claims load it for a while
    log('receipts at target 1')
    // every GET there is a claim: a quarter of the reads keeps the run short
    const overheadAtOne = await receiptOverhead(nodes[0]!, nodes[count - 1]!, Math.ceil(getChunks / 4))
    log('a second network at the default target, storing without tickets')
    plain.push(
      ...(await startNetwork(
        join(dir, 'free'),
        count,
        { ...farming, target: DEFAULT_FARMING_TARGET },
        false,
      )),
    )
    const freePut = await putBatches(plain[0]!, batches)
    const overhead = await receiptOverhead(plain[0]!, plain[count - 1]!, getChunks)
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
      receipt_overhead_ratio_target_1: r(overheadAtOne),
      receipt_overhead_ratio: r(overhead),
      grant_ms_p50: r(median(grantMs)),
      paid_put_batch_ms_p50: r(paidPut),
      free_put_batch_ms_p50: r(freePut),
      paid_vs_free_put: r(paidPut / freePut),
    }
  } finally {
    await Promise.all([...nodes, ...plain].map((n) => n.stop().catch(() => {})))
    await rm(dir, { recursive: true, force: true })
  }
}
