// The chunk-store contract shared by the vault, the network client and
// self-encryption: content-addressed immutable chunks, address = SHA-256 of
// the chunk's bytes. Consumers take the narrowest part they need, e.g.
// Pick<ChunkStore, 'get'>.
import { createHash } from 'node:crypto'
import { PeerDriveError } from './errors.ts'

export const ADDRESS_BYTES = 32

export interface ChunkStore {
  /** Stores bytes under their address; refuses bytes whose hash is not `address`. */
  put(address: Uint8Array, bytes: Uint8Array): Promise<void>
  /** The chunk's bytes, verified against `address`; throws ChunkMissingError if absent. */
  get(address: Uint8Array): Promise<Uint8Array>
  has(address: Uint8Array): Promise<boolean>
  /** Removes the chunk; false when it was not there. */
  delete(address: Uint8Array): Promise<boolean>
}

export function chunkAddress(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function fromHex(hex: string): Uint8Array {
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2 !== 0) throw new TypeError(`not a hex string: ${hex}`)
  return Buffer.from(hex, 'hex')
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

export class ChunkMissingError extends PeerDriveError {
  readonly address: string
  constructor(address: Uint8Array | string) {
    const hex = typeof address === 'string' ? address : toHex(address)
    super('ChunkMissing', `chunk ${hex} is missing`)
    this.address = hex
  }
}

/** The bytes offered or found under an address do not hash to it. */
export class ChunkHashMismatchError extends PeerDriveError {
  readonly address: string
  constructor(address: Uint8Array | string, where: string) {
    const hex = typeof address === 'string' ? address : toHex(address)
    super('ChunkHashMismatch', `chunk ${hex} does not match its address (${where})`)
    this.address = hex
  }
}

/** In-memory twin of the vault, for unit tests of modules that need a store. */
export class MemoryChunkStore implements ChunkStore {
  readonly chunks = new Map<string, Uint8Array>()

  async put(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    if (!sameBytes(chunkAddress(bytes), address)) throw new ChunkHashMismatchError(address, 'put')
    this.chunks.set(toHex(address), Uint8Array.from(bytes))
  }

  async get(address: Uint8Array): Promise<Uint8Array> {
    const bytes = this.chunks.get(toHex(address))
    if (!bytes) throw new ChunkMissingError(address)
    return bytes
  }

  async has(address: Uint8Array): Promise<boolean> {
    return this.chunks.has(toHex(address))
  }

  async delete(address: Uint8Array): Promise<boolean> {
    return this.chunks.delete(toHex(address))
  }
}
