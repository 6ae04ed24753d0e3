// The drive's root pointer: the handle of the root directory, sealed with the
// drive key (a handle is a read capability, and records are public), kept in
// a signed, versioned record that only the drive's owner can replace.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { PeerDriveError } from '../errors.ts'

const AAD = Buffer.from('peerdrive/drive-root/v1')

export interface RootRecord {
  version: bigint
  payload: Uint8Array
}

/** Where the signed root record lives: the network's record store, or memory in tests. */
export interface RootStore {
  load(): Promise<RootRecord | undefined>
  /** Stores a version higher than any stored before; signing is the store's job. */
  save(version: bigint, payload: Uint8Array): Promise<void>
  /** Like save(); resolves to how many vaults other than this node hold it (the network store only). */
  saveCopies?(version: bigint, payload: Uint8Array): Promise<number>
}

export class RootUnreadableError extends PeerDriveError {
  constructor() {
    super('RootUnreadable', "the drive's root record does not open with this drive key")
  }
}

export function sealRoot(key: Uint8Array, rootHandle: string): Uint8Array {
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(AAD)
  const body = Buffer.concat([cipher.update(rootHandle, 'utf8'), cipher.final()])
  return Buffer.concat([nonce, body, cipher.getAuthTag()])
}

export function openRoot(key: Uint8Array, payload: Uint8Array): string {
  if (payload.length < 12 + 16) throw new RootUnreadableError()
  try {
    const buf = Buffer.from(payload)
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12))
    decipher.setAAD(AAD)
    decipher.setAuthTag(buf.subarray(buf.length - 16))
    return Buffer.concat([decipher.update(buf.subarray(12, buf.length - 16)), decipher.final()]).toString(
      'utf8',
    )
  } catch {
    throw new RootUnreadableError()
  }
}

export class MemoryRootStore implements RootStore {
  record: RootRecord | undefined
  async load(): Promise<RootRecord | undefined> {
    return this.record
  }
  async save(version: bigint, payload: Uint8Array): Promise<void> {
    if (this.record && version <= this.record.version) throw new Error('stale root version')
    this.record = { version, payload }
  }
}
