// Chunks stored in the network: each PUT goes to the chunk's close group (R
// vaults, passing over full ones), each GET tries the holders closest-first
// and checks every answer against the address. Fewer than R acknowledgements
// is "degraded" — counted and left to the holders' audit to repair — never "done".
import type { ChunkStore } from '../chunk-store.ts'
import { ChunkMissingError, chunkAddress, sameBytes, toHex } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import { DEFAULT_REPLICAS, closestFirst, kadKey } from '../placement/index.ts'
import type { Request, Response } from './messages.ts'
import { placeCopies } from './place-copies.ts'
import type { VaultPeer } from './peer-table.ts'

export type Ask = (peer: VaultPeer, req: Request) => Promise<Response>

export interface NetworkStoreComponents {
  peers: { withSelf(): VaultPeer[]; list(): VaultPeer[] }
  ask: Ask
  /** Told of every chunk a vault served that verified (farming turns it into a signed receipt). */
  onServed?: (vault: VaultPeer, address: Uint8Array) => void
}

export interface PutResult {
  copies: number
  holders: VaultPeer[]
}

export class NetworkPutError extends PeerDriveError {
  constructor(address: Uint8Array, why: string) {
    super('NetworkPutFailed', `could not store chunk ${toHex(address)}: ${why}`)
  }
}

export class NetworkChunkStore implements ChunkStore {
  readonly replicas: number
  /** Chunks stored with fewer than R copies since this store was made. */
  degraded = 0
  private readonly components: NetworkStoreComponents

  constructor(components: NetworkStoreComponents, opts: { replicas?: number } = {}) {
    this.components = components
    this.replicas = opts.replicas ?? DEFAULT_REPLICAS
  }

  async put(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    const result = await this.putWithResult(address, bytes)
    if (result.copies < this.replicas) this.degraded++
  }

  /** Stores on the close group; a vault that declines or fails is replaced by the next closest. */
  async putWithResult(address: Uint8Array, bytes: Uint8Array): Promise<PutResult> {
    if (!sameBytes(chunkAddress(bytes), address))
      throw new NetworkPutError(address, 'bytes do not match address')
    const candidates = closestFirst(kadKey(address), this.components.peers.withSelf())
    if (candidates.length === 0) throw new NetworkPutError(address, 'no vaults reachable')
    const { holders, reasons } = await placeCopies(candidates, this.replicas, async (peer) => {
      const res = await this.components.ask(peer, { type: 'put', address, bytes })
      return res.status === 'ok' ? 'stored' : res.status
    })
    if (holders.length === 0)
      throw new NetworkPutError(address, `no vault accepted it (${[...new Set(reasons)].join(', ')})`)
    return { copies: Math.min(holders.length, this.replicas), holders }
  }

  async get(address: Uint8Array): Promise<Uint8Array> {
    for (const peer of closestFirst(kadKey(address), this.components.peers.withSelf())) {
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
    throw new ChunkMissingError(address)
  }

  async has(address: Uint8Array): Promise<boolean> {
    for (const peer of closestFirst(kadKey(address), this.components.peers.withSelf()).slice(
      0,
      this.replicas * 2,
    )) {
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
