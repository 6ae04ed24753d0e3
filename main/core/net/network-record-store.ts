// Records stored in the network. A PUT goes to the close group of the
// record's address (R vaults, passing over full ones, like a chunk PUT); a
// GET asks the whole group at once, keeps only answers that verify, returns
// the newest, and brings group members that answered with an older version
// or nothing up to date in the background (read repair). `putCopies` places
// the record on R vaults other than this node and counts only those: what
// must outlive this machine (the drive's root) is published that way.
import { sameBytes, toHex } from '../chunk-store.ts'
import { placeCopies, placeCopiesBeyondSelf } from './place-copies.ts'
import type { VaultPeer } from './vault-peer.ts'
import type { RecordRequest, RecordResponse } from './record-messages.ts'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import { closestTo } from './router.ts'
import type { RoutedPeers } from './router.ts'
import {
  RecordBadSignatureError,
  RecordPutError,
  RecordStaleError,
  RecordUnavailableError,
} from '../records/errors.ts'
import { checkFields } from '../records/format.ts'
import type { SignedRecord } from '../records/format.ts'
import { addressOf, compareRecords, verifyRecord } from '../records/record.ts'
import { NOT_PAID } from '../storage/ticket.ts'
import type { Ticket } from '../storage/ticket.ts'

export type AskRecord = (peer: VaultPeer, req: RecordRequest) => Promise<RecordResponse>

/** Pays for a new record's slot where storage is paid: the ticket a vault that does not hold it asks for. */
export type RecordPayer = (address: Uint8Array) => Promise<Ticket>

export interface RecordPutOptions {
  /** Who pays for the record's slot, in place of the store's own payer. */
  payer?: RecordPayer
}

export interface NetworkRecordStoreComponents {
  /** `self` is this node (absent for a store without a vault of its own); putCopies never counts it. */
  peers: RoutedPeers & { self?: VaultPeer }
  ask: AskRecord
}

export interface NetworkRecordStoreOptions {
  replicas?: number
  log?: (line: string) => void
}

export interface RecordPutResult {
  /** Vaults that hold this record now; fewer than R is degraded. */
  copies: number
  holders: VaultPeer[]
  /** Group members that refused it for holding a newer (or a different same-version) record. */
  stale: number
}

/** One vault's answer to a GET: `record` only when it verified and lies at the address asked. */
interface Answer {
  peer: VaultPeer
  answered: boolean
  record?: SignedRecord
}

export class NetworkRecordStore {
  readonly replicas: number
  /**
   * Where storage is paid, who pays for the slots of the new records this
   * store puts; undefined puts without a ticket (refused there).
   */
  payer: RecordPayer | undefined = undefined
  /** Records stored with fewer than R copies (by putCopies: on other vaults) since this store was made. */
  degraded = 0
  /** Copies pushed by read repair. */
  readRepairs = 0
  readonly #components: NetworkRecordStoreComponents
  readonly #log: (line: string) => void
  readonly #repairing = new Set<Promise<void>>()

  constructor(components: NetworkRecordStoreComponents, opts: NetworkRecordStoreOptions = {}) {
    this.#components = components
    this.replicas = opts.replicas ?? DEFAULT_REPLICAS
    this.#log = opts.log ?? (() => {})
  }

  /**
   * Stores a signed record on its close group. A vault that is full or fails
   * is replaced by the next closest; one that holds a newer version keeps its
   * place. Throws RecordStale when every member that answered holds a newer
   * version, RecordPutFailed when no vault took it.
   */
  async put(record: SignedRecord, opts: RecordPutOptions = {}): Promise<RecordPutResult> {
    checkFields(record)
    const address = addressOf(record)
    if (!verifyRecord(record)) throw new RecordBadSignatureError(address)
    const candidates = await closestTo(this.#components.peers, address)
    if (candidates.length === 0) throw new RecordPutError(address, 'no vaults reachable')
    // A member holding a newer version keeps its slot, so a replay cannot slip past the group.
    const offer = this.#offerer(address, record, opts)
    const placed = await placeCopies(candidates, this.replicas, offer)
    const { holders, reasons, kept: stale } = placed
    // a copy on this node alone is no storage the network was paid for: the reason is the user's to read
    const unpaid = reasons.find((r) => r.startsWith(NOT_PAID))
    if (unpaid && holders.every((h) => h.key === this.#components.peers.self?.key))
      throw new RecordPutError(address, unpaid)
    if (holders.length === 0) {
      if (stale > 0) throw new RecordStaleError(address, record.version)
      throw new RecordPutError(address, `no vault accepted it (${[...new Set(reasons)].join(', ')})`)
    }
    const copies = Math.min(holders.length, this.replicas)
    if (copies < this.replicas) this.degraded++
    return { copies, holders, stale }
  }

  /**
   * Stores a signed record on the R vaults closest to it other than this
   * node, and returns how many of them acknowledged it (at most R; fewer is
   * degraded). This node's vault keeps a copy too when it is in the close
   * group, uncounted. Throws like put(): RecordStale when no vault took it
   * and some hold a newer version, RecordPutFailed when no vault, this one
   * included, took it.
   */
  async putCopies(record: SignedRecord, opts: RecordPutOptions = {}): Promise<number> {
    checkFields(record)
    const address = addressOf(record)
    if (!verifyRecord(record)) throw new RecordBadSignatureError(address)
    const ranked = await closestTo(this.#components.peers, address)
    if (ranked.length === 0) throw new RecordPutError(address, 'no vaults reachable')
    const selfKey = this.#components.peers.self?.key
    const placed = await placeCopiesBeyondSelf(
      ranked,
      selfKey,
      this.replicas,
      this.#offerer(address, record, opts),
    )
    const unpaid = placed.reasons.find((r) => r.startsWith(NOT_PAID))
    if (placed.holders.length === 0 && unpaid) throw new RecordPutError(address, unpaid)
    if (placed.holders.length === 0 && placed.self !== 'stored') {
      if (placed.kept > 0 || placed.self === 'kept') throw new RecordStaleError(address, record.version)
      const reasons = [...placed.reasons, ...(placed.self ? [placed.self] : [])]
      throw new RecordPutError(address, `no vault accepted it (${[...new Set(reasons)].join(', ')})`)
    }
    const copies = Math.min(placed.holders.length, this.replicas)
    if (copies < this.replicas) this.degraded++
    return copies
  }

  /**
   * Offers the record to one vault at a time: 'stored' when the vault holds
   * it now, 'kept' when it holds a newer (or a different same-version) one.
   * A vault that does not hold it yet may ask for its slot to be paid for:
   * the slot is paid once for the whole put, and offered again with the ticket.
   */
  #offerer(
    address: Uint8Array,
    record: SignedRecord,
    opts: RecordPutOptions,
  ): (peer: VaultPeer) => Promise<string> {
    const payer = opts.payer ?? this.payer
    let ticket: Promise<Ticket> | undefined
    return async (peer) => {
      let res = await this.#components.ask(peer, { type: 'record-put', address, record })
      if (payer && res.status === 'bad-request' && res.reason.startsWith(NOT_PAID)) {
        ticket ??= payer(address)
        const paid = await ticket.catch((err: unknown) => err as Error)
        if (paid instanceof Error) return paid.message
        res = await this.#components.ask(peer, { type: 'record-put', address, record, ticket: paid })
      }
      if (res.status === 'ok') return 'stored'
      if (res.status === 'stale') return 'kept'
      // an unpaid record says why, in the words of the refusal
      return res.status === 'bad-request' && res.reason.startsWith(NOT_PAID) ? res.reason : res.status
    }
  }

  /**
   * The newest valid version of the record at `address`, or undefined when
   * the vaults asked hold none. Forged, misplaced and older answers are
   * ignored. Throws RecordUnavailable when no vault answered at all.
   */
  async get(address: Uint8Array): Promise<SignedRecord | undefined> {
    const candidates = await closestTo(this.#components.peers, address)
    const answers: Answer[] = []
    // The close group first; past it only while nothing valid has been found
    // and fewer than 2R vaults have answered (a group of full vaults pushes
    // copies outward, but a missing record must not make a reader ask everyone).
    for (let at = 0; at < candidates.length; at += this.replicas) {
      const batch = candidates.slice(at, at + this.replicas)
      answers.push(...(await Promise.all(batch.map((peer) => this.#ask(peer, address)))))
      if (answers.some((a) => a.record)) break
      if (answers.filter((a) => a.answered).length >= 2 * this.replicas) break
    }
    if (!answers.some((a) => a.answered)) throw new RecordUnavailableError(address)
    let best: SignedRecord | undefined
    for (const { record } of answers) if (record && (!best || compareRecords(record, best) > 0)) best = record
    if (best) this.#readRepair(best, address, answers.slice(0, this.replicas))
    return best
  }

  /** Waits for the read repairs started so far. */
  async settled(): Promise<void> {
    while (this.#repairing.size > 0) await Promise.allSettled([...this.#repairing])
  }

  async #ask(peer: VaultPeer, address: Uint8Array): Promise<Answer> {
    try {
      const res = await this.#components.ask(peer, { type: 'record-get', address })
      const record = res.status === 'ok' ? res.record : undefined
      const valid = record && verifyRecord(record) && sameBytes(addressOf(record), address)
      return { peer, answered: true, record: valid ? record : undefined }
    } catch {
      return { peer, answered: false }
    }
  }

  /** Pushes `best` to the group members that answered with an older version or nothing; best effort. */
  #readRepair(best: SignedRecord, address: Uint8Array, group: Answer[]): void {
    const behind = group.filter((a) => a.answered && (!a.record || compareRecords(best, a.record) > 0))
    if (behind.length === 0) return
    const work = Promise.all(
      behind.map(async ({ peer }) => {
        const res = await this.#components
          .ask(peer, { type: 'record-put', address, record: best })
          .catch(() => undefined)
        if (res?.status === 'ok') this.readRepairs++
      }),
    ).then(() => this.#log(`read repair of record ${toHex(address).slice(0, 12)}`))
    this.#repairing.add(work)
    void work.finally(() => this.#repairing.delete(work))
  }
}
