// Credentials → the keys that find and open an account, through argon2id.
//
// One memory-hard derivation takes all three secrets: the keyword and PIN
// make the salt, the password is the message. Its output is split (HKDF) into
// the seed of the key that signs the session packet's record — whose address
// is therefore the account's location — and the key that seals the packet.
// Every guess at any of the three costs one full argon2id run.
import { argon2, createHash, hkdfSync } from 'node:crypto'
import { UsageError } from '../errors.ts'
import { OwnerKey, recordAddress } from '../records/index.ts'

export interface Credentials {
  keyword: string
  pin: string
  password: string
}

/** argon2id cost: memory in KiB, passes over it, lanes. */
export interface KdfParams {
  memoryKiB: number
  passes: number
  parallelism: number
}

/**
 * 256 MiB, 3 passes, 1 lane: about 0.6 s per guess on a 2-core x86-64 machine
 * (measured figures in docs/ACCOUNT.md). The memory is what makes guessing on
 * GPUs expensive; the passes bring one guess above half a second.
 */
export const ACCOUNT_KDF: KdfParams = Object.freeze({ memoryKiB: 256 * 1024, passes: 3, parallelism: 1 })

/** The session packet's record name under the derived owner key. */
export const SESSION_RECORD = 'peerdrive/session-packet'

const SALT_DOMAIN = 'peerdrive/account/v1/salt'

export interface DerivedKeys {
  /** Seed of the Ed25519 key that signs the session packet's record. */
  signSeed: Uint8Array
  /** XChaCha20-Poly1305 key that seals the session packet. */
  sealKey: Uint8Array
  /** Where the session packet lives: the record address of (signing key, SESSION_RECORD). */
  location: Uint8Array
}

export const MIN_PASSWORD_LENGTH = 8

/** Refuses credentials that cannot make an account; the message says which part and why. */
export function checkCredentials(c: Credentials): void {
  if (typeof c.keyword !== 'string' || [...c.keyword.normalize('NFC')].length < 4)
    throw new UsageError('the keyword must be at least 4 characters')
  if (typeof c.pin !== 'string' || !/^[0-9]{4,12}$/.test(c.pin))
    throw new UsageError('the PIN must be 4 to 12 digits')
  checkPassword(c.password)
}

export function checkPassword(password: string): void {
  if (typeof password !== 'string' || [...password.normalize('NFC')].length < MIN_PASSWORD_LENGTH)
    throw new UsageError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`)
}

export async function deriveKeys(c: Credentials, params: KdfParams = ACCOUNT_KDF): Promise<DerivedKeys> {
  const keyword = Buffer.from(c.keyword.normalize('NFC'), 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32BE(keyword.byteLength)
  // the keyword is length-prefixed so that no (keyword, PIN) pair can pose as another
  const salt = createHash('sha256').update(SALT_DOMAIN).update(length).update(keyword).update(c.pin).digest()
  const master = await new Promise<Buffer>((resolve, reject) =>
    argon2(
      'argon2id',
      {
        message: Buffer.from(c.password.normalize('NFC'), 'utf8'),
        nonce: salt,
        memory: params.memoryKiB,
        passes: params.passes,
        parallelism: params.parallelism,
        tagLength: 32,
      },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  )
  const expand = (info: string) => new Uint8Array(hkdfSync('sha256', master, new Uint8Array(0), info, 32))
  const signSeed = expand('peerdrive/account/v1/sign')
  const sealKey = expand('peerdrive/account/v1/seal')
  master.fill(0)
  const location = recordAddress(OwnerKey.fromSeed(signSeed).publicKey, SESSION_RECORD)
  return { signSeed, sealKey, location }
}
