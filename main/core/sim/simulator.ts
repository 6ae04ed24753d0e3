// A discrete-event simulation of a PeerDrive network: time, links, disks and
// failures are simulated; who holds a chunk, who repairs it and where a copy
// goes are decided by PeerDrive's own functions (closeGroup, closestFirst,
// kadKey, leadsRepair, passOver), called on the few vaults nearest each chunk
// that the sorted ring finds. Vaults go away for a while (their chunks come
// back with them) or for good (their chunks are gone); peers notice after the
// detection delay of the way they went, and then every holder of an affected
// chunk runs the repair rule, as Repairer.afterLoss does on each vault.
import { closeGroup, kadKey, sortClosest } from '../placement/index.ts'
import { leadsRepair, passOver, rankedInGroup } from '../replication/repair-rule.ts'
import type { Keyed } from '../replication/repair-rule.ts'
import { availability as modelAvailability } from './churn.ts'
import type { SimConfig } from './config.ts'
import { Backlog } from './backlog.ts'
import { annualLoss, nines } from './durability.ts'
import { EventHeap } from './heap.ts'
import { Holders } from './holders.ts'
import { Ring, prefix48 } from './ring.ts'
import { Rng } from './rng.ts'

export interface SimFigures {
  vaults: number
  chunks: number
  days: number
  /** Chunks with fewer than `need` fragments left anywhere (replication: no copy left). */
  chunks_lost: number
  /** Fewest copies of any chunk on online vaults, at any moment. */
  min_copies: number
  /** Mean per chunk of the seconds it had fewer than R copies on online vaults. */
  seconds_below_r: number
  /** Repair traffic (bytes of every copy a repair made) per vault per day, GiB. */
  repair_gib_per_vault_day: number
  /** Annual probability of losing a given chunk, as nines; null when the run saw no permanent loss. */
  durability_nines: number | null
  annual_loss: number | null
  /** Mean copies (fragments) per chunk that exist at the end, online or not. */
  copies_mean_end: number
  /** Share of vault-time online. */
  availability: number
  departures: number
  arrivals: number
  repairs: number
  failed_transfers: number
  /** Share of the donated space in use at the end. */
  disk_used_end: number
  /** After the scenario's last kill: seconds until every chunk was back at R copies online (null: never). */
  restored_s: number | null
  events: number
  /** Times a chunk's holders ran the repair rule. */
  checks: number
}

export interface SimRun {
  figures: SimFigures
  /** Slots (vault indices) holding chunk `c` at the end. */
  holdersOf(c: number): number[]
}

const Ev = {
  End: 0,
  SessionEnd: 1,
  Return: 2,
  Detect: 3,
  Depart: 4,
  Arrive: 5,
  Transfer: 6,
  Recheck: 7,
  Near: 8,
  Kill: 9,
  Mass: 10,
} as const

interface SimPeer extends Keyed {
  readonly slot: number
}

const GIB = 2 ** 30
const DAY = 86_400
const YEAR = 365.25 * DAY

/** Where a long run has got to, reported about every ten seconds of wall time. */
export interface SimProgress {
  day: number
  events: number
  checks: number
}

export function simulate(cfg: SimConfig, onProgress?: (p: SimProgress) => void): SimRun {
  const rng = new Rng(cfg.seed)
  const model = cfg.churn
  const erasure = cfg.erasure
  const n = erasure ? erasure.k + erasure.m : cfg.replicas
  const need = erasure ? erasure.k : 1
  const overhead = erasure ? n / erasure.k : cfg.replicas
  const endS = cfg.days * DAY
  const M = cfg.chunks
  const N = cfg.vaults

  // a pool of positions: the vaults at the start and the newcomers that replace those who leave
  const expectedArrivals = Number.isFinite(model.lifetimeS) ? (N * endS) / model.lifetimeS : 0
  const P = N + Math.ceil(2 * expectedArrivals + 3 * Math.sqrt(expectedArrivals)) + 16
  const ids = new Uint8Array(P * 32)
  const seedBytes = new Uint8Array(32)
  for (let i = 0; i < P; i++) {
    const given = cfg.ids?.[i]
    ids.set(given ?? kadKey(rng.bytes(seedBytes)), i * 32)
  }
  const ring = new Ring(ids, P)
  // made in ring order, so the vaults of one neighbourhood, ranked together, lie together in memory
  const peers: SimPeer[] = new Array<SimPeer>(P)
  for (const slot of ring.order)
    peers[slot] = {
      slot,
      key: String(slot),
      kadId: ids.subarray(slot * 32, slot * 32 + 32),
      kadLead: prefix48(ids, slot * 32),
    }
  const peerOf = (slot: number): SimPeer => peers[slot]!

  // vaults
  const online = new Uint8Array(P)
  const departed = new Uint8Array(P)
  const arrived = new Uint8Array(P)
  const epoch = new Int32Array(P)
  const upBps = new Float64Array(P)
  const capacity = new Float64Array(P)
  const used = new Float64Array(P)
  const busyUntil = new Float64Array(P)
  // the host every vault shares, when the run models one (a testnet on one machine)
  let hostBusyUntil = 0
  // Repairer's lanes: the chunks each vault is sending copies of, and the chunks waiting for a lane
  const lanesUsed = new Int32Array(P)
  const dropped = new Map<number, number[]>()
  let nextSlot = 0
  let skippedArrivals = 0

  // chunks
  const addresses = new Uint8Array(M * 32)
  const targets = new Uint8Array(M * 32)
  for (let c = 0; c < M; c++) {
    const address = cfg.addresses?.[c] ?? rng.bytes(new Uint8Array(32))
    addresses.set(address, c * 32)
    targets.set(kadKey(address), c * 32)
  }
  const chunkOrder = Int32Array.from({ length: M }, (_, i) => i)
  const chunkKey = new Float64Array(M)
  for (let c = 0; c < M; c++) chunkKey[c] = prefix48(targets, c * 32)
  chunkOrder.sort((a, b) => chunkKey[a]! - chunkKey[b]!)
  const sortedChunkKeys = Float64Array.from(chunkOrder, (c) => chunkKey[c]!)
  const holders = new Holders(M, P)
  const live = new Int32Array(M)
  const lost = new Uint8Array(M)
  const lastLevelT = new Float64Array(M)
  const belowSince = new Float64Array(M)
  const inflightLeader = new Int32Array(M).fill(-1)
  const inflightCount = new Int32Array(M)
  // a check the leader skipped while its transfers ran: its first audit after them does it
  const recheck = new Uint8Array(M)
  const backlog = new Backlog(P, M)

  const meanDisk = cfg.capacityBytes ?? cfg.diskGiB * GIB * Math.exp((cfg.diskSigma * cfg.diskSigma) / 2)
  const chunkBytes = cfg.chunkBytes ?? (cfg.fill * N * meanDisk) / (M * overhead)
  const fragBytes = erasure ? chunkBytes / erasure.k : chunkBytes
  // rebuilding a fragment gathers k of them: the leader's link carries about two fragments' time, the network k + 1
  const fragQueueBytes = erasure ? 2 * fragBytes : fragBytes
  const fragTraffic = erasure ? (erasure.k + 1) * fragBytes : fragBytes

  // figures
  const LEVELS = 512
  const timeAt = new Float64Array(LEVELS)
  const up = new Float64Array(LEVELS)
  const down = new Float64Array(LEVELS)
  let now = 0
  let minLive = Number.POSITIVE_INFINITY
  let belowCount = 0
  let belowTotal = 0
  let belowEpisodes = 0
  let lostCount = 0
  let repairBytes = 0
  let repairs = 0
  let failed = 0
  let departures = 0
  let arrivals = 0
  let onlineTime = 0
  let vaultTime = 0
  let onlineNow = 0
  let presentNow = 0
  let lastCountT = 0
  let awaitRestore = -1
  let restoredS: number | null = null
  let events = 0
  let checks = 0

  const heap = new EventHeap()
  // repair transfers in flight
  let tChunk = new Int32Array(1024)
  let tFrom = new Int32Array(1024)
  let tTo = new Int32Array(1024)
  let tFromEpoch = new Int32Array(1024)
  let tToEpoch = new Int32Array(1024)
  // 1 on the last transfer of an ensure: its landing frees the lane
  let tLane = new Uint8Array(1024)
  const tFree: number[] = []
  let tUsed = 0

  const countVaults = () => {
    onlineTime += onlineNow * (now - lastCountT)
    vaultTime += presentNow * (now - lastCountT)
    lastCountT = now
  }

  const level = (c: number, delta: number) => {
    const old = holders.count[c]!
    timeAt[Math.min(old, LEVELS - 1)]! += now - lastLevelT[c]!
    lastLevelT[c] = now
    if (delta > 0) up[Math.min(old, LEVELS - 1)]!++
    else down[Math.min(old, LEVELS - 1)]!++
  }

  const liveChange = (c: number, delta: number) => {
    const old = live[c]!
    const next = old + delta
    live[c] = next
    if (next < minLive) minLive = next
    if (old >= n && next < n) {
      belowCount++
      belowEpisodes++
      belowSince[c] = now
    } else if (old < n && next >= n) {
      belowCount--
      belowTotal += now - belowSince[c]!
      if (belowCount === 0 && awaitRestore >= 0) {
        restoredS = now - awaitRestore
        awaitRestore = -1
      }
    }
  }

  const sessionS = () => (model.session ? rng.weibull(model.session.shape, model.session.meanS) : Infinity)
  const absenceS = () => rng.weibull(model.absence.shape, model.absence.meanS)
  const detectS = (silent: boolean) => (silent ? cfg.detection.silentS : cfg.detection.closedS)
  const free = (slot: number) => capacity[slot]! - used[slot]!

  const join = (slot: number, isOnline: boolean) => {
    countVaults()
    arrived[slot] = 1
    presentNow++
    upBps[slot] = cfg.uploadBps ?? (rng.logNormal(cfg.uploadMbps, cfg.uploadSigma) * 1e6) / 8
    capacity[slot] = cfg.capacityBytes ?? rng.logNormal(cfg.diskGiB, cfg.diskSigma) * GIB
    if (Number.isFinite(model.lifetimeS)) heap.push(now + rng.exponential(model.lifetimeS), Ev.Depart, slot)
    if (isOnline) {
      online[slot] = 1
      onlineNow++
      ring.setLive(slot, true)
      const s = sessionS()
      if (Number.isFinite(s)) heap.push(now + s, Ev.SessionEnd, slot, epoch[slot]!)
    } else {
      heap.push(now + absenceS(), Ev.Return, slot, epoch[slot]!)
    }
  }

  // Going offline: the vault's link stops at once; its peers notice after the detection delay.
  const goOffline = (slot: number, silent: boolean) => {
    countVaults()
    online[slot] = 0
    onlineNow--
    epoch[slot]!++
    busyUntil[slot] = 0
    // the process stopped: its lanes and what waited for them are gone; its transfers fail when due
    lanesUsed[slot] = 0
    backlog.clear(slot)
    for (const c of holders.heldBy(slot, [])) liveChange(c, -1)
    if (ring.isLive(slot)) heap.push(now + detectS(silent), Ev.Detect, slot, epoch[slot]!)
  }

  const depart = (slot: number, silent: boolean) => {
    if (departed[slot] || !arrived[slot]) return
    const wasKnown = ring.isLive(slot)
    if (online[slot]) goOffline(slot, silent)
    countVaults()
    departed[slot] = 1
    presentNow--
    departures++
    epoch[slot]!++
    const chunks = holders.heldBy(slot, [])
    for (const c of chunks) level(c, -1)
    holders.dropVault(slot)
    for (const c of chunks) {
      if (!lost[c] && holders.count[c]! < need) {
        lost[c] = 1
        lostCount++
      }
    }
    used[slot] = 0
    // peers that had not yet noticed the vault go notice it now, without its chunks
    if (wasKnown) {
      dropped.set(slot, chunks)
      heap.push(now + detectS(silent), Ev.Detect, slot, epoch[slot]!)
    }
  }

  // buffers reused by every check: a run makes tens of millions of them
  const nearBuf: number[] = []
  const holderBuf: number[] = []
  const pool: SimPeer[] = []
  const ranked: SimPeer[] = []
  let rankedAll = false
  const group: SimPeer[] = []
  const memberHolds = new Uint8Array(Math.max(64, n))
  const held: SimPeer[] = []
  const missing: SimPeer[] = []
  const spare: SimPeer[] = []

  /** How far down the ranking a pass-over goes: past 16 groups' worth a network is out of space, not of candidates. */
  const reach = 16 * (n + cfg.spare)

  /**
   * The live vaults nearest chunk `c` into `ranked`, in the real closestFirst
   * order: at least the `want` closest (the ring's smallest block around the
   * chunk that holds them).
   */
  const rank = (c: number, want: number): SimPeer[] => {
    ring.near(chunkKey[c]!, want, nearBuf)
    ranked.length = 0
    for (const s of nearBuf) ranked.push(peerOf(s))
    rankedAll = nearBuf.length >= ring.liveCount || want >= reach
    return sortClosest(targets.subarray(c * 32, c * 32 + 32), ranked)
  }

  // The ranking a check starts from, kept per chunk with the block of the ring it came from: while
  // no vault of that block comes or goes, the same live vaults are the nearest and rank the same.
  const CACHED = 24
  const checkWant = n + cfg.spare + 1
  const cacheSlots = new Int32Array(M * CACHED)
  const cacheLen = new Int8Array(M).fill(-1)
  const cacheStart = new Int32Array(M)
  const cacheEnd = new Int32Array(M)
  const cacheVersion = new Float64Array(M)

  /** rank(c, checkWant), from the chunk's last ranking when its block is unchanged. */
  const rankForCheck = (c: number): SimPeer[] => {
    const len = cacheLen[c]!
    if (
      len >= 0 &&
      ring.liveCount >= checkWant &&
      ring.unchangedSince(cacheStart[c]!, cacheEnd[c]!, cacheVersion[c]!)
    ) {
      ranked.length = 0
      for (let i = 0, at = c * CACHED; i < len; i++) ranked.push(peers[cacheSlots[at + i]!]!)
      rankedAll = len >= ring.liveCount || checkWant >= reach
      return ranked
    }
    rank(c, checkWant)
    if (ranked.length > CACHED || ring.liveCount < checkWant) {
      cacheLen[c] = -1
      return ranked
    }
    for (let i = 0, at = c * CACHED; i < ranked.length; i++) cacheSlots[at + i] = ranked[i]!.slot
    cacheLen[c] = ranked.length
    cacheStart[c] = ring.blockStart
    cacheEnd[c] = ring.blockEnd
    cacheVersion[c] = ring.version
    return ranked
  }

  /** The vaults a chunk is first stored on pick from: enough of them that a group has room. */
  const placementPool = (c: number): SimPeer[] => {
    for (let want = n + cfg.spare; ; want *= 4) {
      ring.near(chunkKey[c]!, want, nearBuf)
      let room = 0
      for (const s of nearBuf) if (free(s) >= fragBytes) room++
      if (room > n || nearBuf.length >= ring.liveCount || want >= reach) break
    }
    pool.length = 0
    for (const s of nearBuf) pool.push(peerOf(s))
    return pool
  }

  const takes = (c: number, to: number) => online[to] === 1 && (holders.has(c, to) || free(to) >= fragBytes)

  /**
   * Where in the ranking the pass-over of `missing` by `self` ends (the
   * position after the last spare it offers to), or -1 when it would run past
   * the ranked vaults.
   */
  const passOverEnd = (c: number, self: SimPeer): number => {
    let next = n
    for (const m of missing) {
      if (takes(c, m.slot)) continue
      for (;;) {
        while (next < ranked.length && ranked[next] === self) next++
        if (next >= ranked.length) return -1
        if (takes(c, ranked[next++]!.slot)) break
      }
    }
    return next
  }

  /**
   * Whether `slot` is among the `n` closest to chunk `c` of the live vaults
   * and itself (Repairer.afterLoss's wasInGroup): the live vaults of the
   * smallest block around the chunk that holds `n` are the only ones that can
   * be closer.
   */
  const inGroup = (c: number, slot: number): boolean => {
    ring.near(chunkKey[c]!, n, nearBuf)
    pool.length = 0
    for (const s of nearBuf) pool.push(peerOf(s))
    return rankedInGroup(targets.subarray(c * 32, c * 32 + 32), pool, peerOf(slot), n)
  }

  /** What every holder of chunk `c` does when it runs Repairer.ensure now. */
  const check = (c: number) => {
    if (lost[c]) return
    // the group, the spares a pass-over usually needs, and one more in case a holder skips itself
    rankForCheck(c)
    const g = Math.min(n, ranked.length)
    group.length = 0
    // what each member answers to `has`: a vault gone but not yet noticed answers nothing
    let holding = 0
    holders.holdersOf(c, holderBuf)
    for (let i = 0; i < g; i++) {
      const p = ranked[i]!
      group.push(p)
      memberHolds[i] = online[p.slot] === 1 && holderBuf.includes(p.slot) ? 1 : 0
      holding += memberHolds[i]!
    }
    checks++
    if (holding === g) {
      // the whole group holds it: only its closest member leads, and finds nothing missing; if
      // its own ensure of the chunk is still running, its next audit comes back to it
      const first = group[0]
      if (first && inflightLeader[c] === first.slot) {
        held.length = 0
        for (let i = 1; i < g; i++) held.push(group[i]!)
        if (leadsRepair(group, first, held)) recheck[c] = 1
      }
      return
    }
    // leadsRepair lets only the closest member holding it lead or, when no member holds it, each
    // holder outside the group: the holders it would turn down are not asked
    let first = 0
    while (first < g && !memberHolds[first]) first++
    if (first < g) ensure(c, group[first]!.slot, g)
    else for (const h of holderBuf) if (online[h]) ensure(c, h, g)
  }

  /** Repairer.ensure of chunk `c` on holder `h`, the group and what its members hold found by check. */
  const ensure = (c: number, h: number, g: number) => {
    const self = peerOf(h)
    held.length = 0
    missing.length = 0
    for (let i = 0; i < g; i++) {
      const p = group[i]!
      if (p !== self) (memberHolds[i] ? held : missing).push(p)
    }
    if (!leadsRepair(group, self, held)) return
    // this holder's own ensure of the chunk is still running (Repairer's inFlight): its next audit comes back to it
    if (inflightLeader[c] === h) {
      recheck[c] = 1
      return
    }
    if (missing.length === 0) return
    // every lane of this vault is sending another chunk: this one waits in the vault's backlog and
    // is checked afresh (re-ranked, re-asked) when a lane takes it, as a Repairer's lane takes the
    // next chunk of its audit; nothing is decided now for a link that is busy
    if (lanesUsed[h]! >= cfg.lanes) {
      backlog.push(h, c)
      return
    }
    // full vaults pass the copy on down the ranking: rank as far as this pass-over goes
    let end = passOverEnd(c, self)
    for (let want = 4 * (n + cfg.spare + 1); !rankedAll && end < 0; want *= 4) {
      rank(c, want)
      end = passOverEnd(c, self)
    }
    // the spares past `end` are never offered: the pass-over stops before them
    if (end < 0) end = ranked.length
    spare.length = 0
    for (let i = n; i < end; i++) if (ranked[i] !== self) spare.push(ranked[i]!)
    const offers = passOver(missing, spare)
    let last = -1
    for (let offer = offers.next(); !offer.done;) {
      const to = offer.value.slot
      const took = takes(c, to)
      if (took) last = send(c, h, to)
      offer = offers.next(took)
    }
    // one lane carries the chunk's copies one after another; the last to land frees it
    if (last >= 0) {
      lanesUsed[h]!++
      tLane[last] = 1
    }
  }

  const send = (c: number, from: number, to: number): number => {
    const id = tFree.pop() ?? tUsed++
    if (id >= tChunk.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2)
        b.set(a)
        return b
      }
      tChunk = grow(tChunk)
      tFrom = grow(tFrom)
      tTo = grow(tTo)
      tFromEpoch = grow(tFromEpoch)
      tToEpoch = grow(tToEpoch)
      const lane = new Uint8Array(tLane.length * 2)
      lane.set(tLane)
      tLane = lane
    }
    tChunk[id] = c
    tFrom[id] = from
    tTo[id] = to
    tFromEpoch[id] = epoch[from]!
    tToEpoch[id] = epoch[to]!
    tLane[id] = 0
    if (!holders.has(c, to)) used[to]! += fragBytes
    // the leader's upload link sends one copy after another; the fixed cost overlaps (8 lanes in Repairer)
    let start = Math.max(now, busyUntil[from]!)
    if (cfg.sharedUploadBps) {
      start = Math.max(start, hostBusyUntil)
      hostBusyUntil = start + fragQueueBytes / cfg.sharedUploadBps
    }
    busyUntil[from] = start + fragQueueBytes / upBps[from]!
    heap.push(busyUntil[from]! + cfg.transferLatencyS, Ev.Transfer, id)
    inflightLeader[c] = from
    inflightCount[c]!++
    return id
  }

  const landed = (id: number) => {
    const from = tFrom[id]!
    // a lane of the sender's current session (a vault that went offline lost its lanes then)
    const freesLane = tLane[id] === 1 && epoch[from] === tFromEpoch[id]
    deliver(id)
    if (freesLane) laneFreed(from)
  }

  /** A lane of vault `h` is free: it takes the chunks waiting for one, oldest first, each checked now. */
  const laneFreed = (h: number) => {
    lanesUsed[h]!--
    // a chunk that needs nothing from this vault any more leaves the lane to the next one
    while (lanesUsed[h]! < cfg.lanes) {
      const c = backlog.shift(h)
      if (c < 0) break
      check(c)
    }
  }

  const deliver = (id: number) => {
    const c = tChunk[id]!
    const from = tFrom[id]!
    const to = tTo[id]!
    tFree.push(id)
    if (--inflightCount[c]! === 0) {
      inflightLeader[c] = -1
      if (recheck[c]) {
        recheck[c] = 0
        heap.push(now + rng.uniform() * cfg.auditIntervalS, Ev.Recheck, c)
      }
    }
    const ok = epoch[from] === tFromEpoch[id] && epoch[to] === tToEpoch[id] && !departed[to] && !lost[c]
    const already = holders.has(c, to)
    if (!ok) {
      failed++
      if (!already && !departed[to]) used[to]! -= fragBytes
      // the holders' next audit finds what is still missing
      heap.push(now + rng.uniform() * cfg.auditIntervalS, Ev.Recheck, c)
      return
    }
    repairBytes += fragTraffic
    repairs++
    if (already) return
    level(c, +1)
    holders.add(c, to)
    liveChange(c, +1)
  }

  /** A vault that (re)appears: the holders' audits push it the chunks whose group it now completes. */
  const auditNear = (slot: number) => {
    const key = prefix48(ids, slot * 32)
    // the chunks of the block around it that holds twice a group: those whose group it can be in
    ring.near(key, 2 * n, nearBuf)
    const size = 2 ** (48 - ring.lastBits)
    const lo = Math.floor(key / size) * size
    let i = lowerBound(sortedChunkKeys, lo)
    const end = lowerBound(sortedChunkKeys, lo + size)
    for (; i < end; i++) {
      const c = chunkOrder[i]!
      if (!holders.has(c, slot)) check(c)
    }
  }

  // the network at the start: each vault online with the model's availability, the data placed on close groups
  const a0 = modelAvailability(model)
  for (let i = 0; i < N; i++) join(nextSlot++, cfg.ids?.[i] !== undefined || rng.uniform() < a0)
  for (let c = 0; c < M; c++) {
    const given = cfg.holders?.[c]
    const group = given
      ? given.map(peerOf)
      : closeGroup(
          addresses.subarray(c * 32, c * 32 + 32),
          placementPool(c),
          n,
          (p) => free(p.slot) >= fragBytes,
        )
    for (const p of group) {
      holders.add(c, p.slot)
      used[p.slot]! += fragBytes
    }
    let onlineCopies = 0
    for (const p of group) onlineCopies += online[p.slot]!
    live[c] = onlineCopies
    if (onlineCopies < n) {
      belowCount++
      belowSince[c] = 0
    }
    minLive = Math.min(minLive, onlineCopies)
  }

  heap.push(endS, Ev.End, 0)
  if (model.correlated && model.correlated.perYear > 0)
    heap.push(rng.exponential(YEAR / model.correlated.perYear), Ev.Mass, 0)
  if (Number.isFinite(model.lifetimeS)) heap.push(rng.exponential(model.lifetimeS / N), Ev.Arrive, 0)
  cfg.kills.forEach((k, i) => heap.push(k.atS, Ev.Kill, i))

  const ev = { time: 0, kind: 0, a: 0, b: 0 }
  let reportAt = Date.now() + 10_000
  while (heap.pop(ev)) {
    now = ev.time
    events++
    if (onProgress && (events & 0xffff) === 0 && Date.now() >= reportAt) {
      reportAt = Date.now() + 10_000
      onProgress({ day: now / DAY, events, checks })
    }
    const v = ev.a
    if (ev.kind === Ev.End) break
    switch (ev.kind) {
      case Ev.SessionEnd:
        if (epoch[v] !== ev.b || departed[v]) break
        goOffline(v, rng.uniform() >= model.closedShare)
        heap.push(now + absenceS(), Ev.Return, v, epoch[v]!)
        break
      case Ev.Return: {
        if (epoch[v] !== ev.b || departed[v]) break
        countVaults()
        online[v] = 1
        onlineNow++
        epoch[v]!++
        ring.setLive(v, true)
        for (const c of holders.heldBy(v, [])) liveChange(c, +1)
        const s = sessionS()
        if (Number.isFinite(s)) heap.push(now + s, Ev.SessionEnd, v, epoch[v]!)
        heap.push(now + rng.uniform() * cfg.auditIntervalS, Ev.Near, v, epoch[v]!)
        break
      }
      case Ev.Detect: {
        if (epoch[v] !== ev.b) break
        ring.setLive(v, false)
        const chunks = departed[v] ? (dropped.get(v) ?? []) : holders.heldBy(v, [])
        dropped.delete(v)
        // as Repairer.afterLoss: only the chunks whose group the lost vault was in
        for (const c of chunks) if (!lost[c] && inGroup(c, v)) check(c)
        break
      }
      case Ev.Depart:
        depart(v, rng.uniform() >= model.closedShare)
        break
      case Ev.Arrive: {
        arrivals++
        if (nextSlot < P) {
          const slot = nextSlot++
          join(slot, true)
          heap.push(now + rng.uniform() * cfg.auditIntervalS, Ev.Near, slot, epoch[slot]!)
        } else skippedArrivals++
        heap.push(now + rng.exponential(model.lifetimeS / N), Ev.Arrive, 0)
        break
      }
      case Ev.Transfer:
        landed(v)
        break
      case Ev.Recheck:
        check(v)
        break
      case Ev.Near:
        if (epoch[v] === ev.b && online[v]) auditNear(v)
        break
      case Ev.Kill: {
        const kill = cfg.kills[v]!
        const victims = kill.slots ?? pickOnline(kill.share ?? 0)
        for (const s of victims) {
          if (kill.permanent) depart(s, kill.silent === true)
          else if (online[s]) {
            goOffline(s, kill.silent === true)
            heap.push(now + absenceS(), Ev.Return, s, epoch[s]!)
          }
        }
        if (belowCount > 0) awaitRestore = now
        else restoredS = 0
        break
      }
      case Ev.Mass: {
        const mass = model.correlated!
        for (const s of pickOnline(mass.share)) {
          if (mass.permanent) depart(s, true)
          else if (online[s]) {
            goOffline(s, true)
            heap.push(now + absenceS(), Ev.Return, s, epoch[s]!)
          }
        }
        heap.push(now + rng.exponential(YEAR / mass.perYear), Ev.Mass, 0)
        break
      }
    }
  }
  now = Math.min(now, endS)

  function pickOnline(share: number): number[] {
    const out: number[] = []
    for (let s = 0; s < nextSlot; s++) if (online[s] && rng.uniform() < share) out.push(s)
    return out
  }

  // close the time accounts at the end of the run
  countVaults()
  let copies = 0
  for (let c = 0; c < M; c++) {
    timeAt[Math.min(holders.count[c]!, LEVELS - 1)]! += now - lastLevelT[c]!
    if (live[c]! < n) belowTotal += now - belowSince[c]!
    copies += holders.count[c]!
  }
  let donated = 0
  let inUse = 0
  for (let s = 0; s < nextSlot; s++) {
    if (departed[s]) continue
    donated += capacity[s]!
    inUse += used[s]!
  }
  const availability = vaultTime > 0 ? onlineTime / vaultTime : 1
  const p = annualLoss({
    timeAt,
    up,
    down,
    start: n,
    need,
    availability,
    repairRate: belowTotal > 0 ? belowEpisodes / belowTotal : 0,
    correlated: model.correlated?.permanent ? model.correlated : null,
  })
  // a run that lost chunks outright bounds the loss rate from below
  const observed = lostCount > 0 ? -Math.expm1((Math.log1p(-lostCount / M) * YEAR) / Math.max(now, 1)) : 0
  const loss = Number.isNaN(p) ? (observed > 0 ? observed : Number.NaN) : Math.max(p, observed)
  void skippedArrivals
  return {
    figures: {
      vaults: N,
      chunks: M,
      days: cfg.days,
      chunks_lost: lostCount,
      min_copies: Number.isFinite(minLive) ? minLive : 0,
      seconds_below_r: belowTotal / M,
      repair_gib_per_vault_day: repairBytes / GIB / Math.max(1, vaultTime / DAY),
      durability_nines: Number.isNaN(loss) ? null : nines(loss),
      annual_loss: Number.isNaN(loss) ? null : loss,
      copies_mean_end: copies / M,
      availability,
      departures,
      arrivals,
      repairs,
      failed_transfers: failed,
      disk_used_end: donated > 0 ? inUse / donated : 0,
      restored_s: awaitRestore >= 0 ? null : restoredS,
      events,
      checks,
    },
    holdersOf: (c) => holders.holdersOf(c, []),
  }
}

function lowerBound(keys: Float64Array, key: number): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}
