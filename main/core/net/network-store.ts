// Chunks stored in the network: each PUT reaches the R vaults closest to the
// chunk other than this node (passing over full ones) with the chunk sent
// only once, to one of them, which forwards it (upload-once.ts); each GET tries the
// holders closest-first and checks every answer against the address. This
// node's own vault may keep a copy too, but it never counts: a copy only on
// this machine is lost with it. Fewer than R copies elsewhere is "degraded" —
// counted, reported to the caller and left to the holders' audit to repair —
// never "done".
import type { ChunkStore } from '../chunk-store.ts'
import { ChunkMissingError, chunkAddress, sameBytes, toHex } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import { DEFAULT_REPLICAS, closestFirst, kadKey } from '../placement/index.ts'
import { MAX_REPLICATE_AVOID } from './messages.ts'
import type { Request, Response } from './messages.ts'
import { uploadOnce } from './upload-once.ts'
import { NOT_PAID } from '../storage/ticket.ts'
import type { Ticket } from '../storage/ticket.ts'
import type { VaultPeer } from './vault-peer.ts'
import { closestTo } from './router.ts'
import type { RoutedPeers } from './router.ts'

export type Ask = (peer: VaultPeer, req: Request) => Promise<Response>

export interface NetworkStoreComponents {
  /** `self` is this node, whose copies are never counted (withSelf() lists it only when it is a vault). */
  peers: RoutedPeers & { self: VaultPeer; list(): VaultPeer[] }
  ask: Ask
  /** Told of every chunk a vault served that verified (farming turns it into a signed receipt). */
  onServed?: (vault: VaultPeer, address: Uint8Array) => void
  /** Vaults this node distrusts: the member it uploads through is asked to leave them out too. */
  distrusted?: () => VaultPeer[]
}

export interface PutResult {
  /** Vaults other than this node holding the chunk now, at most R. */
  copies: number
  /** Those vaults. */
  holders: VaultPeer[]
  /** Whether this node's own vault took a copy too (not counted in `copies`). */
  selfHolds: boolean
}

export class NetworkPutError extends PeerDriveError {
  constructor(address: Uint8Array, why: string) {
    super('NetworkPutFailed', `could not store chunk ${toHex(address)}: ${why}`)
  }
}

export class NetworkChunkStore implements ChunkStore {
  readonly replicas: number
  /** Chunks stored with fewer than R copies on other vaults since this store was made. */
  degraded = 0
  /** Chunk bytes handed to put since this store was made, and those sent to other vaults to store them. */
  putBytes = 0
  uploadedBytes = 0
  private readonly components: NetworkStoreComponents
  /** Where storage is paid: the ticket for each chunk put (storage/payer.ts); unset, PUTs carry none. */
  payer: ((address: Uint8Array, size: number) => Promise<Ticket>) | undefined

  constructor(components: NetworkStoreComponents, opts: { replicas?: number } = {}) {
    this.components = components
    this.replicas = opts.replicas ?? DEFAULT_REPLICAS
  }

  async put(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    await this.putCopies(address, bytes)
  }

  /**
   * Stores the chunk and returns how many vaults other than this node
   * acknowledged holding it (at most R); fewer than R is degraded. Throws
   * when no vault at all, this one included, took it.
   */
  async putCopies(address: Uint8Array, bytes: Uint8Array): Promise<number> {
    return (await this.putWithResult(address, bytes)).copies
  }

  /** Stores on the close group of other vaults; a vault that declines or fails is replaced by the next closest. */
  async putWithResult(address: Uint8Array, bytes: Uint8Array): Promise<PutResult> {
    if (!sameBytes(chunkAddress(bytes), address))
      throw new NetworkPutError(address, 'bytes do not match address')
    const { peers } = this.components
    const ranked = await closestTo(peers, address)
    if (ranked.length === 0) throw new NetworkPutError(address, 'no vaults reachable')
    const upload = (ticket?: Ticket) =>
      uploadOnce(
        ranked,
        peers.self.key,
        this.replicas,
        this.components.ask,
        address,
        bytes,
        this.avoidedNear(address),
        ticket,
      )
    // a chunk the network holds already costs nothing again: its group places any missing copy itself
    const held = this.payer !== undefined && (await this.#heldByGroup(ranked, address))
    let placed = await upload(held ? undefined : await this.#ticket(address, bytes.length))
    if (held && placed.holders.length < this.replicas && placed.reasons.some((r) => r.startsWith(NOT_PAID))) {
      // the member that held it did not take it after all: pay, and place it as a new chunk
      this.uploadedBytes += placed.sentBytes
      placed = await upload(await this.#ticket(address, bytes.length))
    }
    this.putBytes += bytes.length
    this.uploadedBytes += placed.sentBytes
    const selfHolds = placed.self === 'stored'
    // a copy on this node alone is no storage the network was paid for: the reason is the user's to read
    const unpaid = placed.reasons.find((r) => r.startsWith(NOT_PAID))
    if (placed.holders.length === 0 && unpaid) throw new NetworkPutError(address, unpaid)
    if (placed.holders.length === 0 && !selfHolds) {
      // the group this node ranked refused or failed: the next try looks it up afresh
      peers.relook?.(address)
      const reasons = [...placed.reasons, ...(placed.self ? [placed.self] : [])]
      throw new NetworkPutError(address, `no vault accepted it (${[...new Set(reasons)].join(', ')})`)
    }
    const copies = Math.min(placed.holders.length, this.replicas)
    if (copies < this.replicas) this.degraded++
    return { copies, holders: placed.holders, selfHolds }
  }

  /** Whether the closest member other than this node says it holds the chunk (one question, no bytes). */
  async #heldByGroup(ranked: VaultPeer[], address: Uint8Array): Promise<boolean> {
    const first = ranked.find((p) => p.key !== this.components.peers.self.key)
    if (!first) return false
    const res = await this.components.ask(first, { type: 'has', address }).catch(() => undefined)
    return res?.status === 'ok'
  }

  async #ticket(address: Uint8Array, size: number): Promise<Ticket | undefined> {
    if (!this.payer) return undefined
    try {
      return await this.payer(address, size)
    } catch (err) {
      throw new NetworkPutError(address, (err as Error).message)
    }
  }

  /** The distrusted vaults nearest the chunk, as many as a REPLICATE may name. */
  private avoidedNear(address: Uint8Array): VaultPeer[] {
    const distrusted = this.components.distrusted?.() ?? []
    if (distrusted.length === 0) return []
    return closestFirst(kadKey(address), distrusted).slice(0, MAX_REPLICATE_AVOID)
  }

  async get(address: Uint8Array): Promise<Uint8Array> {
    const asked = new Set<string>()
    // a group found by a lookup cut short, or remembered from before the network changed, may
    // miss the holders: once, the group is looked up afresh and the vaults not asked yet are tried
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) {
        if (!this.components.peers.relook) break
        this.components.peers.relook(address)
      }
      for (const peer of await closestTo(this.components.peers, address)) {
        if (asked.has(peer.key)) continue
        asked.add(peer.key)
        try {
          const res = await this.components.ask(peer, { type: 'get', address })
          if (res.status === 'ok' && res.bytes && sameBytes(chunkAddress(res.bytes), address)) {
            this.components.onServed?.(peer, address)
            return res.bytes
          }
        } catch {
          // try the next holder
        }
      }
    }
    // none of the vaults ranked had it: the next read looks the group up afresh
    this.components.peers.relook?.(address)
    throw new ChunkMissingError(address)
  }

  async has(address: Uint8Array): Promise<boolean> {
    for (const peer of await closestTo(this.components.peers, address, this.replicas * 2)) {
      const res = await this.components.ask(peer, { type: 'has', address }).catch(() => undefined)
      if (res?.status === 'ok') return true
    }
    return false
  }

  async delete(_address: Uint8Array): Promise<boolean> {
    // Chunks are shared by everyone who stored the same bytes; nobody may delete them from the network.
    return false
  }
}
