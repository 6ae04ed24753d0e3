// The messages between the calling thread and the chunk workers. Bulk bytes
// travel as transferred ArrayBuffers (moved, not copied). A buffer is moved
// only when its whole backing store belongs to this module; anything else
// (caller memory, Node's shared Buffer pool) is copied first, because moving
// detaches the sender's copy.
import { ChunkMissingError } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import { ChunkTamperedError, isTamperReason } from './errors.ts'

/** A byte range of an ArrayBuffer that is moved to the other thread with the message. */
export interface WireBytes {
  readonly buf: ArrayBuffer
  readonly offset: number
  readonly length: number
}

/** Spare bytes tolerated around a view whose whole buffer is moved by moveOrCopy. */
const TRANSFER_SLACK = 64

/** Moves `view`'s whole buffer; the caller guarantees it owns all of it. */
export function moveWhole(view: Uint8Array): WireBytes {
  if (!(view.buffer instanceof ArrayBuffer)) throw new TypeError('cannot move shared memory')
  return { buf: view.buffer, offset: view.byteOffset, length: view.byteLength }
}

/**
 * For bytes returned by a library call (crypto, zlib): moved when the view
 * spans its own buffer, copied when it may sit in a shared pool.
 */
export function moveOrCopy(view: Uint8Array): WireBytes {
  const buf = view.buffer
  if (buf instanceof ArrayBuffer && buf.byteLength - view.byteLength <= TRANSFER_SLACK) return moveWhole(view)
  return moveWhole(new Uint8Array(view))
}

export function fromWire(w: WireBytes): Uint8Array {
  return new Uint8Array(w.buf, w.offset, w.length)
}

export type WorkerRequest =
  | { readonly op: 'hash'; readonly plain: WireBytes }
  | { readonly op: 'seal'; readonly plain: WireBytes; readonly ikm: Uint8Array }
  | {
      readonly op: 'open'
      readonly chunk: WireBytes
      readonly address: Uint8Array
      readonly ikm: Uint8Array
      readonly plainHash: Uint8Array
      readonly size: number
    }

export interface HashResult {
  readonly hash: Uint8Array
  /** The plaintext, handed back to be sealed once its neighbours' hashes are known. */
  readonly plain: WireBytes
}
export interface SealResult {
  readonly chunk: WireBytes
  readonly address: Uint8Array
  /** The plaintext buffer, handed back for reuse. */
  readonly spent: ArrayBuffer
}
export interface OpenResult {
  readonly plain: WireBytes
  /** The stored chunk's buffer, handed back for reuse. */
  readonly spent: ArrayBuffer
}

export interface WireError {
  readonly name: string
  readonly message: string
  readonly address?: string
  readonly reason?: string
  readonly detail?: string
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError }

export function errorToWire(err: unknown): WireError {
  if (err instanceof ChunkTamperedError) {
    return {
      name: err.name,
      message: err.message,
      address: err.address,
      reason: err.reason,
      detail: err.detail,
    }
  }
  if (err instanceof Error) return { name: err.name, message: err.message }
  return { name: 'Error', message: String(err) }
}

/** Rebuilds a worker's error as the same named error on this thread. */
export function errorFromWire(e: WireError): Error {
  if (e.name === 'ChunkTampered' && e.address !== undefined && isTamperReason(e.reason)) {
    return new ChunkTamperedError(e.address, e.reason, e.detail)
  }
  if (e.name === 'ChunkMissing' && e.address !== undefined) return new ChunkMissingError(e.address)
  if (e.name === 'DataMapInvalid' || e.name === 'FileChanged') return new PeerDriveError(e.name, e.message)
  const err = new Error(e.message)
  err.name = e.name
  return err
}
