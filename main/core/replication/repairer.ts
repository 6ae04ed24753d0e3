// Keeps R copies of every chunk and every record this vault holds. For each
// item exactly one holder acts — the holder closest to it among its close
// group — so a lost vault causes one repair per item, not a storm. It runs
// when a peer is lost (for the items whose group it was in), on a periodic
// audit (for what events miss), and before items are dropped (hand-off).
// Records follow the same rules with versions (record-repair.ts).
import { toHex } from '../chunk-store.ts'
import type { Request, Response } from '../net/messages.ts'
import type { Ask } from '../net/network-store.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import type { AskRecord } from '../net/network-record-store.ts'
import { ensureRecord } from './record-repair.ts'
import type { HeldRecords } from './record-repair.ts'
import { rankForRepair } from './rank.ts'
import type { RankingPeers } from './rank.ts'
import type { HoldingsTally } from './holdings.ts'
import { leadsRepair, passOver, wasInGroup } from './repair-rule.ts'

export interface RepairComponents {
  peers: RankingPeers
  vault: {
    addresses(): Uint8Array[]
    get(address: Uint8Array): Promise<Uint8Array>
    delete(address: Uint8Array): Promise<boolean>
    /** A held chunk's size, for the holdings tally. */
    sizeOf?(address: Uint8Array): number | undefined
  }
  ask: Ask
  /** Told, during each audit, which other members hold each chunk held here. */
  holdings?: HoldingsTally
  /**
   * Whether a vault that failed a request is out of reach: a fresh dial to it
   * fails outright (refused, no route), not by a timeout. Without it, a
   * failed request is only a missing answer.
   */
  unreachable?: (peer: VaultPeer) => Promise<boolean>
  /** The records this vault holds and the record protocol; without them only chunks are repaired. */
  records?: { held: HeldRecords; ask: AskRecord }
}

export interface RepairOptions {
  replicas?: number
  /** Chunks checked at once. */
  concurrency?: number
  log?: (line: string) => void
}

/** How long a lost vault is remembered: longer than any request to it can wait. */
const LOST_MEMORY_MS = 10 * 60_000

export class Repairer {
  repairs = 0
  lastRepairAt = 0
  private readonly components: RepairComponents
  private readonly replicas: number
  private readonly concurrency: number
  private readonly inFlight = new Set<string>()
  /** Vaults judged lost (by key, with when): one that fails a request is not waited for. */
  private readonly lost = new Map<string, number>()
  private readonly log: (line: string) => void

  constructor(components: RepairComponents, opts: RepairOptions = {}) {
    this.components = components
    this.replicas = opts.replicas ?? DEFAULT_REPLICAS
    this.concurrency = opts.concurrency ?? 8
    this.log = opts.log ?? (() => {})
  }

  /** Repairs the chunks and records whose close group included `lost`; returns copies made. */
  async afterLoss(lost: VaultPeer): Promise<number> {
    this.remember(lost)
    const others = this.components.peers.withSelf()
    const wasIn = (address: Uint8Array) => wasInGroup(address, others, lost, this.replicas)
    const chunks = this.components.vault.addresses().filter(wasIn)
    const records = this.heldRecordAddresses().filter(wasIn)
    const [a, b] = await Promise.all([this.ensureAll(chunks), this.ensureAllRecords(records)])
    return a + b
  }

  /** Checks every held chunk and record; what the other members hold is tallied. */
  async audit(): Promise<number> {
    const holdings = this.components.holdings
    holdings?.begin()
    try {
      const [a, b] = await Promise.all([
        this.ensureAll(this.components.vault.addresses(), holdings),
        this.ensureAllRecords(this.heldRecordAddresses()),
      ])
      holdings?.end()
      return a + b
    } finally {
      holdings?.abandon()
    }
  }

  /**
   * Makes sure R vaults other than this one hold each chunk, then drops the
   * local copy — for a vault that shrinks its donation or leaves.
   */
  async handOff(addresses: Uint8Array[]): Promise<{ moved: number; kept: number }> {
    let moved = 0
    let kept = 0
    await this.forEach(addresses, async (address) => {
      const copies = await this.ensure(address, false)
      if (copies >= this.replicas && (await this.components.vault.delete(address))) moved++
      else kept++
    })
    return { moved, kept }
  }

  /** The same for records: R other vaults hold the newest version before the local copy goes. */
  async handOffRecords(addresses: Uint8Array[]): Promise<{ moved: number; kept: number }> {
    const records = this.components.records
    let moved = 0
    let kept = 0
    if (!records) return { moved, kept: addresses.length }
    await this.forEach(addresses, async (address) => {
      const copies = await this.ensureRecordOnce(address, false).catch(() => 0)
      if (copies >= this.replicas && (await records.held.deleteRecord(address))) moved++
      else kept++
    })
    return { moved, kept }
  }

  /** Kept for a while: repairs that ranked `peer` before its loss was judged may still be asking it. */
  private remember(peer: VaultPeer): void {
    const now = Date.now()
    for (const [key, at] of this.lost) if (now - at > LOST_MEMORY_MS) this.lost.delete(key)
    this.lost.set(peer.key, now)
  }

  /**
   * One request; 'gone' when it failed and the vault cannot hold the item: it
   * was judged lost, it serves no chunks (a client a lookup named), or its
   * dial fails outright. A request that only went unanswered (a slow vault)
   * is undefined: that vault may hold the item. A lost vault that answers
   * (back again) is taken at its word.
   */
  private async request(peer: VaultPeer, req: Request): Promise<Response | 'gone' | undefined> {
    try {
      return await this.components.ask(peer, req)
    } catch (err) {
      if (this.lost.has(peer.key) || (err as Error | undefined)?.name === 'UnsupportedProtocolError')
        return 'gone'
      const unreachable = await this.components.unreachable?.(peer).catch(() => false)
      return unreachable ? 'gone' : undefined
    }
  }

  private heldRecordAddresses(): Uint8Array[] {
    return this.components.records?.held.recordAddresses() ?? []
  }

  private async ensureAllRecords(addresses: Uint8Array[]): Promise<number> {
    let made = 0
    await this.forEach(addresses, async (address) => {
      await this.ensureRecordOnce(address, true, () => made++).catch(() => 0)
    })
    return made
  }

  private async ensureRecordOnce(
    address: Uint8Array,
    selfCounts: boolean,
    onPush: () => void = () => {},
  ): Promise<number> {
    const records = this.components.records
    const key = `record:${toHex(address)}`
    if (!records || this.inFlight.has(key)) return 0
    this.inFlight.add(key)
    try {
      const components = { peers: this.components.peers, records: records.held, ask: records.ask }
      return await ensureRecord(components, address, selfCounts, this.replicas, () => {
        this.repairs++
        this.lastRepairAt = Date.now()
        onPush()
      })
    } finally {
      this.inFlight.delete(key)
    }
  }

  private async ensureAll(addresses: Uint8Array[], holdings?: HoldingsTally): Promise<number> {
    let made = 0
    await this.forEach(addresses, async (address) => {
      made += await this.ensure(address, true, holdings).then(
        (copies) => copies,
        () => 0,
      )
    })
    return made
  }

  /**
   * Ensures the chunk's close group holds it. With `selfCounts`, this vault is
   * part of the group and only the closest holder pushes; without, the group
   * is computed as if this vault had gone and this vault pushes.
   * Returns how many vaults besides this one hold the chunk afterwards.
   * An audit passes its `holdings` tally: the members that hold the chunk are counted in it.
   */
  private async ensure(address: Uint8Array, selfCounts: boolean, holdings?: HoldingsTally): Promise<number> {
    const hex = toHex(address)
    if (this.inFlight.has(hex)) return 0
    this.inFlight.add(hex)
    try {
      const { self } = this.components.peers
      const ranked = (await rankForRepair(this.components.peers, address, this.replicas)).filter(
        (p) => selfCounts || p.key !== self.key,
      )
      const group = ranked.slice(0, this.replicas)
      const others = group.filter((p) => p.key !== self.key)
      // true: holds it; false: said it does not; 'gone': cannot hold it; undefined: gave no answer
      const held = await Promise.all(
        others.map(async (p) => {
          const r = await this.request(p, { type: 'has', address })
          return r === 'gone' || r === undefined ? r : r.status === 'ok'
        }),
      )
      const holders = others.filter((_, i) => held[i] === true)
      holdings?.add(
        holders.map((p) => p.key),
        this.components.vault.sizeOf?.(address) ?? 0,
      )
      // Another holder is closer: it leads. Outside the group this vault leads only if no member holds it.
      if (selfCounts && !leadsRepair(group, self, holders)) return holders.length
      // A member that gave no answer may be slow and hold the item: copying on its behalf to the
      // next vault would leave an extra copy behind every late answer on a loaded machine. One
      // that is gone (judged lost, out of reach) is replaced by the next vault now; waiting for
      // its loss to be repaired lets a repair that ranked it before the loss pass the item over.
      const gone = new Set(others.filter((_, i) => held[i] === 'gone'))
      const missing = others.filter((_, i) => held[i] === false || held[i] === 'gone')
      if (missing.length === 0) return holders.length
      const bytes = await this.components.vault.get(address)
      let copies = holders.length
      const spare = ranked.slice(this.replicas).filter((p) => p.key !== self.key)
      // A full or failing vault is passed over for the next closest one.
      const offers = passOver(missing, spare)
      for (let offer = offers.next(); !offer.done;) {
        // a gone member is passed over at once for the next vault
        const res = gone.has(offer.value)
          ? 'gone'
          : await this.request(offer.value, { type: 'put', address, bytes })
        const took = res !== 'gone' && res?.status === 'ok'
        if (took) {
          copies++
          this.repairs++
          this.lastRepairAt = Date.now()
        }
        // a vault that declined or is gone is passed over; one that did not answer may have stored it
        offer = offers.next(took || res === undefined)
      }
      this.log(`repaired ${hex.slice(0, 12)}: ${copies} other holders`)
      return copies
    } finally {
      this.inFlight.delete(hex)
    }
  }

  private async forEach(items: Uint8Array[], work: (item: Uint8Array) => Promise<void>): Promise<void> {
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < items.length) await work(items[next++]!)
    }
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, lane))
  }
}
