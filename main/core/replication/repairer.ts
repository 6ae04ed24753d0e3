// Keeps R copies of every chunk and every record this vault holds. For each
// item exactly one holder acts — the holder closest to it among its close
// group — so a lost vault causes one repair per item, not a storm. It runs
// when a peer is lost (for the items whose group it was in), on a periodic
// audit (for what events miss), and before items are dropped (hand-off).
// Records follow the same rules with versions (record-repair.ts).
import { toHex } from '../chunk-store.ts'
import type { Ask } from '../net/network-store.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import type { AskRecord } from '../net/network-record-store.ts'
import { ensureRecord } from './record-repair.ts'
import type { HeldRecords } from './record-repair.ts'
import { rankForRepair } from './rank.ts'
import type { RankingPeers } from './rank.ts'
import { leadsRepair, passOver, wasInGroup } from './repair-rule.ts'

export interface RepairComponents {
  peers: RankingPeers
  vault: {
    addresses(): Uint8Array[]
    get(address: Uint8Array): Promise<Uint8Array>
    delete(address: Uint8Array): Promise<boolean>
  }
  ask: Ask
  /** The records this vault holds and the record protocol; without them only chunks are repaired. */
  records?: { held: HeldRecords; ask: AskRecord }
}

export interface RepairOptions {
  replicas?: number
  /** Chunks checked at once. */
  concurrency?: number
  log?: (line: string) => void
}

export class Repairer {
  repairs = 0
  lastRepairAt = 0
  private readonly components: RepairComponents
  private readonly replicas: number
  private readonly concurrency: number
  private readonly inFlight = new Set<string>()
  private readonly log: (line: string) => void

  constructor(components: RepairComponents, opts: RepairOptions = {}) {
    this.components = components
    this.replicas = opts.replicas ?? DEFAULT_REPLICAS
    this.concurrency = opts.concurrency ?? 8
    this.log = opts.log ?? (() => {})
  }

  /** Repairs the chunks and records whose close group included `lost`; returns copies made. */
  async afterLoss(lost: VaultPeer): Promise<number> {
    const others = this.components.peers.withSelf()
    const wasIn = (address: Uint8Array) => wasInGroup(address, others, lost, this.replicas)
    const chunks = this.components.vault.addresses().filter(wasIn)
    const records = this.heldRecordAddresses().filter(wasIn)
    const [a, b] = await Promise.all([this.ensureAll(chunks), this.ensureAllRecords(records)])
    return a + b
  }

  /** Checks every held chunk and record. */
  async audit(): Promise<number> {
    const [a, b] = await Promise.all([
      this.ensureAll(this.components.vault.addresses()),
      this.ensureAllRecords(this.heldRecordAddresses()),
    ])
    return a + b
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

  private async ensureAll(addresses: Uint8Array[]): Promise<number> {
    let made = 0
    await this.forEach(addresses, async (address) => {
      made += await this.ensure(address, true).then(
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
   */
  private async ensure(address: Uint8Array, selfCounts: boolean): Promise<number> {
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
      // true: holds it; false: said it does not; undefined: gave no answer
      const held = await Promise.all(
        others.map((p) =>
          this.components.ask(p, { type: 'has', address }).then(
            (r) => r.status === 'ok',
            () => undefined,
          ),
        ),
      )
      const holders = others.filter((_, i) => held[i] === true)
      // Another holder is closer: it leads. Outside the group this vault leads only if no member holds it.
      if (selfCounts && !leadsRepair(group, self, holders)) return holders.length
      // A member that gave no answer is slow or gone: slow, it may hold the item; gone, its loss
      // is noticed and repaired then. Copying on its behalf to the next vault now would leave an
      // extra copy behind every late answer on a loaded machine.
      const missing = others.filter((_, i) => held[i] === false)
      if (missing.length === 0) return holders.length
      const bytes = await this.components.vault.get(address)
      let copies = holders.length
      const spare = ranked.slice(this.replicas).filter((p) => p.key !== self.key)
      // A full or failing vault is passed over for the next closest one.
      const offers = passOver(missing, spare)
      for (let offer = offers.next(); !offer.done;) {
        const res = await this.components
          .ask(offer.value, { type: 'put', address, bytes })
          .catch(() => undefined)
        const took = res?.status === 'ok'
        if (took) {
          copies++
          this.repairs++
          this.lastRepairAt = Date.now()
        }
        // only a vault that declined is passed over; one that did not answer may have stored it
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
