// A share sent to another account: the link, sealed so that only that
// account opens it, and signed by the sending account so that the receiver
// knows who sent it. An account id is an Ed25519 public key; its X25519 twin
// (RFC 7748's birational map) is what the offer is sealed to, with a fresh
// ephemeral key each time, so nothing in a sealed offer names its sender or
// links two offers together.
//
//   sealed = ephemeral X25519 public key (32) ‖ nonce (24) ‖ XChaCha20-Poly1305(body)
//   body   = JSON { link, name, from, to, at, folder?, sig },
//   sig    = Ed25519(from, "peerdrive/share-offer/v1" ‖ to ‖ at ‖ JSON [link, name, folder?])
//
// A folder shared for writing carries its keys (`folder`) instead of a link:
// the receiver becomes a member of the folder's own drive.
import { hkdfSync, randomBytes, verify } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { OwnerKey, ownerPublicKey } from '../records/index.ts'
import { UsageError } from '../errors.ts'

/** The most a sealed offer may be: a link, a name and a signature with room to spare. */
export const MAX_OFFER_BYTES = 2048
const NONCE_BYTES = 24
const CONTEXT = Buffer.from('peerdrive/share-offer/v1')

/** A folder shared for writing: its id and the keys of its own drive (hex), which both accounts hold. */
export interface FolderKeys {
  id: string
  owner_seed: string
  key: string
}

export interface ShareOffer {
  link: string
  name: string
  /** The sending account's id. */
  from: string
  at: number
  /** Present when the folder is shared for writing (then `link` is empty). */
  folder?: FolderKeys
}

export function isFolderKeys(v: unknown): v is FolderKeys {
  const f = v as Record<string, unknown>
  return (
    typeof f?.id === 'string' &&
    /^[0-9a-f]{16}$/.test(f.id) &&
    typeof f.owner_seed === 'string' &&
    /^[0-9a-f]{64}$/.test(f.owner_seed) &&
    typeof f.key === 'string' &&
    /^[0-9a-f]{64}$/.test(f.key)
  )
}

export function isAccountId(text: unknown): text is string {
  return typeof text === 'string' && /^[0-9a-f]{64}$/.test(text)
}

/** Seals `offer` to the account `to`, signed by the sending account's seed. */
export function sealOffer(
  senderSeed: Uint8Array,
  to: string,
  offer: { link: string; name: string; folder?: FolderKeys },
  at = Date.now(),
): Uint8Array {
  if (!isAccountId(to)) throw new UsageError(`an account id is 64 hex characters, got "${to}"`)
  let recipient: Uint8Array
  try {
    recipient = ed25519.utils.toMontgomery(Buffer.from(to, 'hex'))
  } catch {
    throw new UsageError(`${to} is not an account id: it is not a public key`)
  }
  const sender = OwnerKey.fromSeed(senderSeed)
  const from = Buffer.from(sender.publicKey).toString('hex')
  const folder = offer.folder && {
    id: offer.folder.id,
    owner_seed: offer.folder.owner_seed,
    key: offer.folder.key,
  }
  const sig = Buffer.from(sender.sign(signed(to, at, offer.link, offer.name, folder))).toString('hex')
  const body = Buffer.from(JSON.stringify({ link: offer.link, name: offer.name, from, to, at, folder, sig }))
  const ephemeral = x25519.utils.randomSecretKey()
  const ephemeralPublic = x25519.getPublicKey(ephemeral)
  const key = sealingKey(x25519.getSharedSecret(ephemeral, recipient), ephemeralPublic, recipient)
  const nonce = randomBytes(NONCE_BYTES)
  const sealed = Buffer.concat([ephemeralPublic, nonce, xchacha20poly1305(key, nonce).encrypt(body)])
  if (sealed.length > MAX_OFFER_BYTES) throw new UsageError('the share is too long to send to an account')
  return sealed
}

/**
 * Opens an offer with the receiving account's seed: undefined when it is not
 * sealed to this account, is malformed, or its signature is not its sender's.
 */
export function openOffer(recipientSeed: Uint8Array, sealed: Uint8Array): ShareOffer | undefined {
  if (sealed.byteLength < 32 + NONCE_BYTES + 16 || sealed.byteLength > MAX_OFFER_BYTES) return undefined
  try {
    const me = OwnerKey.fromSeed(recipientSeed)
    const secret = ed25519.utils.toMontgomerySecret(recipientSeed)
    const ephemeralPublic = sealed.subarray(0, 32)
    const key = sealingKey(
      x25519.getSharedSecret(secret, ephemeralPublic),
      ephemeralPublic,
      x25519.getPublicKey(secret),
    )
    const body = xchacha20poly1305(key, sealed.subarray(32, 32 + NONCE_BYTES)).decrypt(
      sealed.subarray(32 + NONCE_BYTES),
    )
    const o = JSON.parse(Buffer.from(body).toString('utf8')) as Record<string, unknown>
    const to = Buffer.from(me.publicKey).toString('hex')
    if (
      typeof o.link !== 'string' ||
      typeof o.name !== 'string' ||
      !isAccountId(o.from) ||
      o.to !== to ||
      !Number.isSafeInteger(o.at) ||
      typeof o.sig !== 'string' ||
      (o.folder !== undefined && !isFolderKeys(o.folder))
    )
      return undefined
    const at = o.at as number
    const folder = o.folder as FolderKeys | undefined
    const ok = verify(
      null,
      signed(to, at, o.link, o.name, folder),
      ownerPublicKey(Buffer.from(o.from, 'hex')),
      Buffer.from(o.sig, 'hex'),
    )
    if (!ok) return undefined
    return folder
      ? { link: o.link, name: o.name, from: o.from, at, folder }
      : { link: o.link, name: o.name, from: o.from, at }
  } catch {
    return undefined
  }
}

function signed(to: string, at: number, link: string, name: string, folder?: FolderKeys): Buffer {
  const when = Buffer.alloc(8)
  when.writeBigUInt64BE(BigInt(at))
  const text = Buffer.from(
    JSON.stringify(folder ? [link, name, [folder.id, folder.owner_seed, folder.key]] : [link, name]),
  )
  return Buffer.concat([CONTEXT, Buffer.from(to, 'hex'), when, text])
}

function sealingKey(shared: Uint8Array, ephemeralPublic: Uint8Array, recipient: Uint8Array): Uint8Array {
  const salt = Buffer.concat([ephemeralPublic, recipient])
  return new Uint8Array(hkdfSync('sha256', shared, salt, CONTEXT, 32))
}
