// Create, open and re-key accounts whose only trace is a sealed session
// packet in the network. Nothing here talks to a server: the credentials
// derive where the packet lives and the key that opens it.
import { setTimeout as sleep } from 'node:timers/promises'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import type { SignedRecord } from '../records/index.ts'
import { DRIVE_ROOT_RECORD } from '../drive/record-root-store.ts'
import { openRoot, sealRoot } from '../drive/root.ts'
import { DRIVE_HISTORY_RECORD } from '../drive/versions-remote.ts'
import {
  MAX_VERSION,
  OwnerKey,
  RecordPutError,
  RecordUnavailableError,
  recordAddress,
  signRecord,
} from '../records/index.ts'
import { ACCOUNT_KDF, SESSION_RECORD, checkCredentials, checkPassword, deriveKeys } from './credentials.ts'
import type { Credentials, DerivedKeys, KdfParams } from './credentials.ts'
import { AccountExistsError, AccountNetworkError, AccountNotPaidError, NoAccountError } from './errors.ts'
import { newAccountKeys, openPacket, sealPacket } from './session-packet.ts'
import type { AccountKeys } from './session-packet.ts'
import { NOT_PAID } from '../storage/ticket.ts'

export interface PacketStore extends Pick<NetworkRecordStore, 'get'> {
  /** `payer`: the account whose storage pays for a new record's slot, where storage is paid. */
  put(record: SignedRecord, payer: OwnerKey): Promise<unknown>
}

export interface OpenAccount {
  /** Hex of the account's public key: a password change makes a new one (every key rotates). */
  id: string
  keys: AccountKeys
}

/** A password change: the account under its new keys, and the one it replaced (whose keys are retired). */
export interface Rotation {
  account: OpenAccount
  retired: OpenAccount
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

/** The drive's records that hold a handle sealed with the drive key: they move when the keys rotate. */
const DRIVE_POINTERS = [DRIVE_ROOT_RECORD, DRIVE_HISTORY_RECORD]

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
    // the new account pays for its own session packet, from the allowance its vault earns it
    await this.#writePacket(derived, keys, (held?.version ?? 0n) + 1n, keys)
    return opened(keys)
  }

  /** Opens the account these credentials lead to, or fails with NoAccount. */
  async login(c: Credentials): Promise<OpenAccount> {
    checkCredentials(c)
    const { keys } = await this.#open(c)
    return opened(keys)
  }

  /**
   * Changes the password by rotating every key, so that a copy of the old
   * session packet opened with the old password yields nothing current:
   *
   * 1. open the old packet and check the new location is free;
   * 2. `beforeRotate` (the node closes the drive here, so that everything in
   *    it is in the network under the old root);
   * 3. make fresh keys and move the drive's root and version history to
   *    them: the same handles, sealed with the new drive key, signed by the
   *    new drive owner;
   * 4. seal the fresh keys at the new password's location;
   * 5. retire the old location with an empty, newer record, so the old
   *    password fails;
   * 6. retire the old root and history with empty records at the highest
   *    version, so nobody holding the old keys can read them as they were
   *    from the network or ever write to them again.
   *
   * The order keeps the account whole if it stops part way: until step 4 the
   * old password opens everything as before; after it the new one does.
   * The account id, drive owner, drive key and wallet all change: what holds
   * coin under the retired wallet must be moved (the node does it for the
   * coins it holds).
   */
  async changePassword(
    c: Credentials,
    newPassword: string,
    opts: { beforeRotate?: (old: OpenAccount) => Promise<void> } = {},
  ): Promise<Rotation> {
    checkCredentials(c)
    checkPassword(newPassword)
    const old = await this.#open(c)
    const next = await deriveKeys({ ...c, password: newPassword }, this.#kdf)
    const held = await this.#get(next.location, 'look up the new location')
    if (held && held.payload.byteLength > 0) throw new AccountExistsError()
    const retired = opened(old.keys)
    await opts.beforeRotate?.(opened(copyKeys(old.keys)))
    const keys = newAccountKeys()
    // the account as it was pays for the records of the one it becomes: the new one has earned nothing yet
    const payer = OwnerKey.fromSeed(old.keys.accountSeed)
    const moved = await this.#moveDrivePointers(old.keys, keys, payer)
    await this.#writePacket(next, keys, (held?.version ?? 0n) + 1n, old.keys)
    await this.#put(
      signRecord(OwnerKey.fromSeed(old.derived.signSeed), {
        name: SESSION_RECORD,
        version: old.version + 1n,
      }),
      'retire the old password',
      payer,
    )
    for (const name of moved)
      await this.#put(
        signRecord(OwnerKey.fromSeed(old.keys.driveOwnerSeed), { name, version: MAX_VERSION }),
        `retire the old drive's ${name}`,
        payer,
      )
    return { account: opened(keys), retired }
  }

  /**
   * Re-seals the drive's pointers — its root and its version history, each a
   * handle sealed with the drive key in a record of the drive owner — for the
   * new keys. Returns the names of those that existed (a new drive has none).
   */
  async #moveDrivePointers(from: AccountKeys, to: AccountKeys, payer: OwnerKey): Promise<string[]> {
    const owner = OwnerKey.fromSeed(from.driveOwnerSeed)
    const moved: string[] = []
    for (const name of DRIVE_POINTERS) {
      const held = await this.#get(recordAddress(owner.publicKey, name), `read the drive's ${name}`)
      if (!held || held.payload.byteLength === 0) continue
      const handle = openRoot(from.driveKey, held.payload)
      await this.#put(
        signRecord(OwnerKey.fromSeed(to.driveOwnerSeed), {
          name,
          version: held.version,
          payload: sealRoot(to.driveKey, handle),
        }),
        `move the drive's ${name} to the new keys`,
        payer,
      )
      moved.push(name)
    }
    return moved
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

  /** Seals `keys` at the credentials' location; the account of `payingKeys` pays for a new slot. */
  async #writePacket(
    derived: DerivedKeys,
    keys: AccountKeys,
    version: bigint,
    payingKeys: AccountKeys,
  ): Promise<void> {
    const payload = sealPacket(keys, derived.sealKey, derived.location)
    await this.#put(
      signRecord(OwnerKey.fromSeed(derived.signSeed), { name: SESSION_RECORD, version, payload }),
      'store the account',
      OwnerKey.fromSeed(payingKeys.accountSeed),
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
  async #put(record: SignedRecord, what: string, payer: OwnerKey): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#store.put(record, payer)
        return
      } catch (err) {
        if (!(err instanceof RecordPutError)) throw err
        const wait = this.#retryMs[attempt]
        // refused as unpaid, the network answered: say why rather than "try again when online"
        const unpaid = err.message.indexOf(NOT_PAID)
        if (wait === undefined && unpaid >= 0) throw new AccountNotPaidError(what, err.message.slice(unpaid))
        if (wait === undefined) throw new AccountNetworkError(what, err)
        await sleep(wait)
      }
    }
  }
}

export function accountId(keys: AccountKeys): string {
  return Buffer.from(OwnerKey.fromSeed(keys.accountSeed).publicKey).toString('hex')
}

function copyKeys(keys: AccountKeys): AccountKeys {
  return {
    accountSeed: Uint8Array.from(keys.accountSeed),
    driveOwnerSeed: Uint8Array.from(keys.driveOwnerSeed),
    driveKey: Uint8Array.from(keys.driveKey),
    walletSeed: Uint8Array.from(keys.walletSeed),
  }
}

function opened(keys: AccountKeys): OpenAccount {
  return { id: accountId(keys), keys }
}
