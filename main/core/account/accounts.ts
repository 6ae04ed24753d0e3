// Create, open and re-key accounts whose only trace is a sealed session
// packet in the network. Nothing here talks to a server: the credentials
// derive where the packet lives and the key that opens it.
import { setTimeout as sleep } from 'node:timers/promises'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import type { SignedRecord } from '../records/index.ts'
import { OwnerKey, RecordPutError, RecordUnavailableError, signRecord } from '../records/index.ts'
import { ACCOUNT_KDF, SESSION_RECORD, checkCredentials, checkPassword, deriveKeys } from './credentials.ts'
import type { Credentials, DerivedKeys, KdfParams } from './credentials.ts'
import { AccountExistsError, AccountNetworkError, NoAccountError } from './errors.ts'
import { newAccountKeys, openPacket, sealPacket } from './session-packet.ts'
import type { AccountKeys } from './session-packet.ts'

export type PacketStore = Pick<NetworkRecordStore, 'get' | 'put'>

export interface OpenAccount {
  /** Hex of the account's public key: stable across password changes. */
  id: string
  keys: AccountKeys
}

export interface AccountsOptions {
  /** argon2id cost; tests pass cheaper parameters, everything else uses ACCOUNT_KDF. */
  kdf?: KdfParams
  /**
   * The least time a login takes after its key derivation, found or not, so
   * that a missing account and a wrong password answer alike.
   */
  lookupFloorMs?: number
  /** Back-off before each retry of a packet write that no vault took (peers still being met). */
  putRetryMs?: number[]
}

const DEFAULT_LOOKUP_FLOOR_MS = 400

export class Accounts {
  readonly #store: PacketStore
  readonly #kdf: KdfParams
  readonly #floorMs: number
  readonly #retryMs: number[]

  constructor(store: PacketStore, opts: AccountsOptions = {}) {
    this.#store = store
    this.#kdf = opts.kdf ?? ACCOUNT_KDF
    this.#floorMs = opts.lookupFloorMs ?? DEFAULT_LOOKUP_FLOOR_MS
    this.#retryMs = opts.putRetryMs ?? [1000, 2000]
  }

  /** Makes a new account at the credentials' location; refuses if one is there. */
  async create(c: Credentials): Promise<OpenAccount> {
    checkCredentials(c)
    const derived = await deriveKeys(c, this.#kdf)
    const held = await this.#get(derived.location, 'look up the account')
    if (held && held.payload.byteLength > 0) throw new AccountExistsError()
    const keys = newAccountKeys()
    await this.#writePacket(derived, keys, (held?.version ?? 0n) + 1n)
    return opened(keys)
  }

  /** Opens the account these credentials lead to, or fails with NoAccount. */
  async login(c: Credentials): Promise<OpenAccount> {
    checkCredentials(c)
    const { keys } = await this.#open(c)
    return opened(keys)
  }

  /**
   * Re-seals the account's keys at the new password's location, then retires
   * the old location with an empty, newer record so the old password fails.
   */
  async changePassword(c: Credentials, newPassword: string): Promise<OpenAccount> {
    checkCredentials(c)
    checkPassword(newPassword)
    const old = await this.#open(c)
    const next = await deriveKeys({ ...c, password: newPassword }, this.#kdf)
    const held = await this.#get(next.location, 'look up the new location')
    if (held && held.payload.byteLength > 0) throw new AccountExistsError()
    await this.#writePacket(next, old.keys, (held?.version ?? 0n) + 1n)
    await this.#put(
      signRecord(OwnerKey.fromSeed(old.derived.signSeed), {
        name: SESSION_RECORD,
        version: old.version + 1n,
      }),
      'retire the old password',
    )
    return opened(old.keys)
  }

  async #open(c: Credentials): Promise<{ keys: AccountKeys; derived: DerivedKeys; version: bigint }> {
    const derived = await deriveKeys(c, this.#kdf)
    const started = performance.now()
    let found: { keys: AccountKeys; version: bigint } | undefined
    try {
      const held = await this.#get(derived.location, 'open the account')
      const keys = held && openPacket(held.payload, derived.sealKey, derived.location)
      if (held && keys) found = { keys, version: held.version }
    } finally {
      const left = this.#floorMs - (performance.now() - started)
      if (left > 0) await sleep(left)
    }
    if (!found) throw new NoAccountError()
    return { ...found, derived }
  }

  async #writePacket(derived: DerivedKeys, keys: AccountKeys, version: bigint): Promise<void> {
    const payload = sealPacket(keys, derived.sealKey, derived.location)
    await this.#put(
      signRecord(OwnerKey.fromSeed(derived.signSeed), { name: SESSION_RECORD, version, payload }),
      'store the account',
    )
  }

  async #get(location: Uint8Array, what: string): Promise<SignedRecord | undefined> {
    try {
      return await this.#store.get(location)
    } catch (err) {
      if (err instanceof RecordUnavailableError) throw new AccountNetworkError(what, err)
      throw err
    }
  }

  /** Writes a record, retrying while no vault takes it (right after start, peers are still being met). */
  async #put(record: SignedRecord, what: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#store.put(record)
        return
      } catch (err) {
        if (!(err instanceof RecordPutError)) throw err
        const wait = this.#retryMs[attempt]
        if (wait === undefined) throw new AccountNetworkError(what, err)
        await sleep(wait)
      }
    }
  }
}

export function accountId(keys: AccountKeys): string {
  return Buffer.from(OwnerKey.fromSeed(keys.accountSeed).publicKey).toString('hex')
}

function opened(keys: AccountKeys): OpenAccount {
  return { id: accountId(keys), keys }
}
