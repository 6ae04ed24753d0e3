// The simulator against a network of real vault processes (`peerdrive sim
// --validate`): a loopback testnet of N vaults, K to a process, as `peerdrive
// testnet` starts them; chunks stored through a client; a sixth of the vaults,
// those holding most, killed at once (their connections cut); then the
// simulator is given the same vault positions, chunks, kills, the 12 ms
// detection and the repair rate measured in the same run, and the two are
// compared on the holders after repair, the copies and the repair time.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { chunkAddress, toHex } from '../chunk-store.ts'
import { connectClient } from '../net/client.ts'
import type { NetworkClient } from '../net/client.ts'
import { vaultPeer } from '../net/vault-peer.ts'
import type { VaultPeer } from '../net/vault-peer.ts'
import { DEFAULT_REPLICAS, closeGroup } from '../placement/index.ts'
import { Testnet, sample } from '../testnet/testnet.ts'
import type { TestnetNode } from '../testnet/testnet.ts'
import { CHURN_MODELS } from './churn.ts'
import { simConfig } from './config.ts'
import { simulate } from './simulator.ts'

/** The tolerance the comparison is held to (docs/SIMULATION.md). */
export const TOLERANCE = {
  /** Share of the chunks whose every holder named by the simulator holds it in the real network. */
  sameHolders: 0.9,
  /** Simulated and real repair time within this factor of each other. */
  repairFactor: 3,
}

export interface ValidateOptions {
  vaults: number
  perProcess: number
  /** Chunks stored; default 3 per vault. */
  chunks?: number
  chunkKiB?: number
  /** How long the real repair may take. */
  repairTimeoutMs?: number
  log?: (line: string) => void
}

export interface ValidateResult {
  vaults: number
  per_process: number
  chunks: number
  killed: number
  start_s: number
  load_average: number
  /** Chunks that, at the kill, were on exactly their close group (the rest had more copies or elsewhere). */
  on_close_group_at_kill: number
  /** Puts to a close-group member that failed ten times (the chunk starts with fewer copies). */
  puts_failed: number
  upload_mib_s: number
  /** Seconds from the kill until every chunk had R copies on live vaults, in each. */
  real_repair_s: number | null
  /** Seconds from the kill until a survivor judged each killed vault lost (median, last; null: none did). */
  real_detect_s_median: number | null
  real_detect_s_max: number | null
  /** Killed vaults no survivor reported lost. */
  real_undetected: number
  /** Seconds until every chunk was on its new close group in the real network. */
  real_group_s: number | null
  sim_repair_s: number | null
  /** real / simulated repair time. */
  repair_ratio: number | null
  same_holders: number
  real_min_copies: number
  sim_chunks_lost: number
  sim_copies_mean_end: number
  holders_ok: boolean
  copies_ok: boolean
  repair_time_ok: boolean
  passed: boolean
}

export async function validateAgainstTestnet(opts: ValidateOptions): Promise<ValidateResult> {
  const log = opts.log ?? (() => {})
  const replicas = DEFAULT_REPLICAS
  const chunkBytes = (opts.chunkKiB ?? 64) * 1024
  const count = opts.chunks ?? 3 * opts.vaults
  const dir = await mkdtemp(join(tmpdir(), 'peerdrive-sim-validate-'))
  let net: Testnet | undefined
  let client: NetworkClient | undefined
  try {
    const lostAt = new Map<string, number>()
    log(`starting ${opts.vaults} vaults, ${opts.perProcess} to a process`)
    const began = performance.now()
    let shown = 0
    net = await Testnet.start({
      // its client is a bare host with no account or vault: the vaults store without tickets
      freeStorage: true,
      nodes: opts.vaults,
      perProcess: opts.perProcess,
      dir,
      donate: '1GiB',
      auditMs: 5000,
      // when a survivor first judges a vault lost: detection, apart from the repair after it
      onEvent: (e) => {
        if (e.event === 'peer-lost' && !lostAt.has(String(e.peer)))
          lostAt.set(String(e.peer), performance.now())
      },
      onProgress: (s, total) => {
        if (s - shown >= 10 || s === total) log(`  started ${(shown = s)}/${total}`)
      },
    })
    const startS = (performance.now() - began) / 1000
    const nodes = [...net.nodes]
    const peers = nodes.map((n) => vaultPeer(peerIdFromString(n.peerId)))

    client = await connectClient({ bootstrap: sample(net.bootstrap, 3), timeoutMs: 60_000 })
    const c = client
    await until(async () => c.peers.size >= replicas, 120_000, 'the client to meet a close group')

    // each chunk put on its close group, as a PUT places it, 8 at a time (a Repairer's lanes); the
    // last 16, just before the kill, give this machine's repair rate as the load stands then
    log(`storing ${count} chunks of ${chunkBytes / 1024} KiB on their close groups`)
    // the client reaches every vault by its address, not through lookups
    await Promise.all(
      nodes.map((n, v) => c.host.peerStore.merge(peers[v]!.id, { multiaddrs: [multiaddr(n.multiaddr)] })),
    )
    const addressOf = new Map(nodes.map((n) => [n.peerId, n.multiaddr]))
    const chunks = Array.from({ length: count }, () => randomBytes(chunkBytes))
    const addresses = chunks.map((b) => chunkAddress(b))
    // a put that keeps failing on a loaded machine leaves the chunk short: the simulator starts
    // from the copies that are really there, so the comparison still holds
    let putsFailed = 0
    const putOn = async (peer: VaultPeer, address: Uint8Array, bytes: Uint8Array): Promise<boolean> => {
      for (let attempt = 1; attempt <= 10; attempt++) {
        const res = await c.ask(peer, { type: 'put', address, bytes }).catch(() => undefined)
        if (res?.status === 'ok') return true
        await c.host.dial(multiaddr(addressOf.get(peer.key)!)).catch(() => undefined)
        await new Promise((r) => setTimeout(r, 1000))
      }
      putsFailed++
      return false
    }
    let sent = 0
    let rateBegan = performance.now()
    for (let i = 0; i < count; i += 8) {
      if (i === Math.max(0, count - 16)) {
        sent = 0
        rateBegan = performance.now()
      }
      await Promise.all(
        chunks.slice(i, i + 8).map(async (b, j) => {
          const group = closeGroup(addresses[i + j]!, peers)
          const ok = await Promise.all(group.map((p) => putOn(p, addresses[i + j]!, b)))
          sent += ok.filter(Boolean).length * chunkBytes
        }),
      )
    }
    const uploadBps = sent / ((performance.now() - rateBegan) / 1000)
    const hexes = addresses.map(toHex)

    // where the chunks are just before the kill: the simulator starts from the same holders
    const before = await holdersOnDisk(nodes, hexes)
    let placed = 0
    for (const [i, address] of addresses.entries()) {
      const group = closeGroup(address, peers).map((p) => p.key)
      const real = before[i]!
      if (real.size === group.length && group.every((k) => real.has(nodes.findIndex((n) => n.peerId === k))))
        placed++
    }

    // a sixth of the vaults, the ones holding most, gone at once (their connections cut); a vault
    // whose loss would take a chunk's last copy is spared: a lost chunk is never repaired, in
    // either network, and the comparison is of repairs
    const held = nodes.map((_, v) => before.filter((h) => h.has(v)).length)
    const left = before.map((h) => h.size)
    const victims: number[] = []
    for (const v of nodes.map((_, i) => i).sort((a, b) => held[b]! - held[a]!)) {
      if (victims.length >= Math.max(1, Math.floor(opts.vaults / 6))) break
      if (before.some((h, i) => h.has(v) && left[i]! <= 1)) continue
      victims.push(v)
      for (const [i, h] of before.entries()) if (h.has(v)) left[i]!--
    }
    log(`killing ${victims.length} vaults at once`)
    const killedAt = performance.now()
    for (const v of victims) nodes[v]!.kill('SIGKILL')
    const survivors = nodes.filter((_, v) => !victims.includes(v))
    const survivorPeers = peers.filter((_, v) => !victims.includes(v))
    const groups = addresses.map((a) => closeGroup(a, survivorPeers).map((p) => peers.indexOf(p)))
    // repaired: every chunk has R copies on live vaults; then, as the simulator ends, on its new close group
    let realS: number | null = null
    let groupS: number | null = null
    let after = before
    const deadline = Date.now() + (opts.repairTimeoutMs ?? 600_000)
    while (Date.now() < deadline) {
      after = await holdersOnDisk(nodes, hexes, survivors)
      const at = (performance.now() - killedAt) / 1000
      if (realS === null && after.every((h) => h.size >= replicas)) realS = at
      if (groups.every((g, i) => g.every((v) => after[i]!.has(v)))) {
        groupS = at
        break
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    log(
      `  real network: ${replicas} copies of every chunk after ${realS?.toFixed(1) ?? '–'} s, ` +
        `every chunk on its close group after ${groupS?.toFixed(1) ?? '–'} s`,
    )

    const detect = victims.map((v) => lostAt.get(nodes[v]!.peerId)).filter((t) => t !== undefined)
    const detectS = detect.map((t) => (t - killedAt) / 1000).sort((a, b) => a - b)

    const run = simulate(
      simConfig({
        vaults: opts.vaults,
        chunks: count,
        days: 1 / 24,
        churn: CHURN_MODELS.none!,
        ids: peers.map((p) => p.kadId),
        addresses,
        holders: before.map((h) => [...h].sort((a, b) => a - b)),
        chunkBytes,
        uploadBps,
        // every vault of this testnet runs on this one host: the rate measured is what they share
        sharedUploadBps: uploadBps,
        transferLatencyS: 0,
        auditIntervalS: 5,
        capacityBytes: 2 ** 30,
        kills: [{ atS: 1, slots: victims, permanent: true }],
      }),
    )
    let same = 0
    for (let i = 0; i < count; i++) if (run.holdersOf(i).every((slot) => after[i]!.has(slot))) same++
    const simS = run.figures.restored_s
    const ratio = realS !== null && simS !== null && simS > 0 ? realS / simS : null
    const realMin = Math.min(...after.map((h) => h.size))
    const holdersOk = same >= TOLERANCE.sameHolders * count
    const copiesOk =
      realMin >= replicas &&
      run.figures.chunks_lost === 0 &&
      run.figures.copies_mean_end >= replicas &&
      simS !== null
    const timeOk = ratio !== null && ratio <= TOLERANCE.repairFactor && ratio >= 1 / TOLERANCE.repairFactor
    return {
      vaults: opts.vaults,
      per_process: opts.perProcess,
      chunks: count,
      killed: victims.length,
      start_s: startS,
      load_average: loadavg()[0]!,
      on_close_group_at_kill: placed,
      puts_failed: putsFailed,
      upload_mib_s: uploadBps / 2 ** 20,
      real_repair_s: realS,
      real_detect_s_median: detectS.length ? detectS[Math.floor(detectS.length / 2)]! : null,
      real_detect_s_max: detectS.length ? detectS[detectS.length - 1]! : null,
      real_undetected: victims.length - detectS.length,
      real_group_s: groupS,
      sim_repair_s: simS,
      repair_ratio: ratio,
      same_holders: same,
      real_min_copies: realMin,
      sim_chunks_lost: run.figures.chunks_lost,
      sim_copies_mean_end: run.figures.copies_mean_end,
      holders_ok: holdersOk,
      copies_ok: copiesOk,
      repair_time_ok: timeOk,
      passed: holdersOk && copiesOk && timeOk,
    }
  } finally {
    await client?.stop().catch(() => {})
    await net?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Which vaults (indices into `nodes`) hold each chunk, read from the vault
 * directories (chunks/<shard>/<address>): one machine, no network requests.
 */
async function holdersOnDisk(nodes: TestnetNode[], hexes: string[], among = nodes): Promise<Set<number>[]> {
  const wanted = new Map(hexes.map((h, i) => [h, i]))
  const holders = hexes.map(() => new Set<number>())
  await Promise.all(
    among.map(async (node) => {
      const v = nodes.indexOf(node)
      const shards = await readdir(join(node.vault, 'chunks')).catch(() => [])
      for (const shard of shards)
        for (const hex of await readdir(join(node.vault, 'chunks', shard)).catch(() => [])) {
          const i = wanted.get(hex)
          if (i !== undefined) holders[i]!.add(v)
        }
    }),
  )
  return holders
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`sim --validate: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
