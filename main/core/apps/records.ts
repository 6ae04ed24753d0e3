// Small mutable records an app keeps in the network, owned by the user and
// that app alone: each (account, app) pair has its own signing key derived
// from the account's drive-owner seed, and each value is sealed with a key
// derived beside it, so the vaults that hold a record can neither change
// nor read it, and no app can read or overwrite another's.
import { hkdfSync, randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { OwnerKey, recordAddress, signRecord } from '../records/index.ts'
import { badRequest } from './errors.ts'

/** The largest value a record holds (its sealed form fits a record's 64 KiB payload). */
export const MAX_RECORD_VALUE = 16 * 1024
const NAME = /^[a-z0-9][a-z0-9._-]{0,47}$/
const NONCE_BYTES = 24

export interface AppRecords {
  get(appId: string, name: unknown): Promise<{ name: string; value: string | null; version: number }>
  put(appId: string, name: unknown, value: unknown): Promise<{ name: string; version: number }>
}

export class NetworkAppRecords implements AppRecords {
  private readonly records: Pick<NetworkRecordStore, 'get' | 'put'>
  private readonly seed: Uint8Array
  /** One write at a time per record, so two puts never claim the same version. */
  private readonly writing = new Map<string, Promise<unknown>>()

  constructor(records: Pick<NetworkRecordStore, 'get' | 'put'>, accountSeed: Uint8Array) {
    this.records = records
    this.seed = accountSeed
  }

  async get(appId: string, name: unknown): Promise<{ name: string; value: string | null; version: number }> {
    const n = checkName(name)
    const { owner, seal } = this.keys(appId)
    const record = await this.records.get(recordAddress(owner.publicKey, `app/${n}`))
    if (!record) return { name: n, value: null, version: 0 }
    const p = record.payload
    let plain: Uint8Array
    try {
      plain = xchacha20poly1305(seal, p.subarray(0, NONCE_BYTES), Buffer.from(n)).decrypt(
        p.subarray(NONCE_BYTES),
      )
    } catch {
      throw badRequest(`record ${n} cannot be opened`)
    }
    return { name: n, value: Buffer.from(plain).toString('utf8'), version: Number(record.version) }
  }

  async put(appId: string, name: unknown, value: unknown): Promise<{ name: string; version: number }> {
    const n = checkName(name)
    if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_RECORD_VALUE)
      throw badRequest(`a record's value is text of at most ${MAX_RECORD_VALUE} bytes`)
    const key = `${appId}/${n}`
    const run = (this.writing.get(key) ?? Promise.resolve()).then(async () => {
      const { version } = await this.get(appId, n)
      const { owner, seal } = this.keys(appId)
      const nonce = randomBytes(NONCE_BYTES)
      const sealed = xchacha20poly1305(seal, nonce, Buffer.from(n)).encrypt(Buffer.from(value))
      const next = version + 1
      await this.records.put(
        signRecord(owner, {
          name: `app/${n}`,
          version: BigInt(next),
          payload: Buffer.concat([nonce, sealed]),
        }),
      )
      return { name: n, version: next }
    })
    this.writing.set(
      key,
      run.catch(() => {}),
    )
    return run
  }

  private keys(appId: string): { owner: OwnerKey; seal: Uint8Array } {
    const derive = (what: string) =>
      new Uint8Array(hkdfSync('sha256', this.seed, 'peerdrive/app-records', `${appId}/${what}`, 32))
    return { owner: OwnerKey.fromSeed(derive('owner')), seal: derive('seal') }
  }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name))
    throw badRequest('a record name is 1 to 48 of a-z 0-9 . _ - (starting with a letter or digit)')
  return name
}
