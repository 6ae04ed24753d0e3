// A share's state in the network: a record under the share's own key holds,
// sealed with the share's key, whether the share is live, when it expires and
// the address of its index; the index is a chunk sealed with the same key,
// listing the shared files with their data maps (as a public index does). A
// holder of the link reads the newest index; once the owner seals "revoked"
// into the record, no later version of any file is ever named under the key.
import { randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { ChunkStore } from '../chunk-store.ts'
import { chunkAddress, fromHex, toHex } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { recordAddress, signRecord } from '../records/index.ts'
import { parseIndex, readIndexed } from '../apps/public-data.ts'
import type { IndexDoc, PublicContent, ReadingFor } from '../apps/public-data.ts'
import { isShareLink, parseShareLink } from './link.ts'
import type { OpenedLink, ShareKeys } from './link.ts'

const RECORD_NAME = 'share'
const NONCE_BYTES = 24
const RECORD_AAD = Buffer.from('peerdrive/share-record/v1')
const INDEX_AAD = Buffer.from('peerdrive/share-index/v1')
/** Forwards followed before a link is given up on (each password change adds one). */
const MAX_MOVES = 16

/** What the record says of a share. */
export interface ShareState {
  /** 'moved': the owner's keys rotated (a password change); `next` is the link the share lives at now. */
  state: 'live' | 'revoked' | 'moved'
  kind: PublicContent['kind']
  name: string
  /** Hex address of the sealed index chunk (live shares only). */
  index?: string
  /** Where a moved share lives now: a link, sealed here under the old key. */
  next?: string
  /** Milliseconds since the epoch; null: never. */
  expires_at: number | null
  updated_at: number
}

export class ShareClosedError extends PeerDriveError {
  constructor(why: 'revoked' | 'expired') {
    super(
      why === 'revoked' ? 'ShareRevoked' : 'ShareExpired',
      why === 'revoked' ? 'the owner revoked this share link' : 'this share link has expired',
    )
  }
}

export class ShareUnreadableError extends PeerDriveError {
  constructor(why: string) {
    super('ShareUnreadable', `the share cannot be read: ${why}`)
  }
}

type Records = Pick<NetworkRecordStore, 'get' | 'put'>

/** Seals `plain` with `key` (XChaCha20-Poly1305, `aad` naming what it is): nonce ‖ ciphertext. */
export function sealWith(key: Uint8Array, aad: Uint8Array, plain: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES)
  return Buffer.concat([nonce, xchacha20poly1305(key, nonce, aad).encrypt(plain)])
}

/** Opens what sealWith sealed; a wrong key or a changed byte is ShareUnreadableError naming `what`. */
export function openWith(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array, what: string): Uint8Array {
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), aad).decrypt(sealed.subarray(NONCE_BYTES))
  } catch {
    throw new ShareUnreadableError(`its ${what} does not open with the link's key`)
  }
}

/**
 * Stores a live share's index (the files it lists are in the network
 * already), sealed, or nothing (revoked) as version `version` of the share's
 * state.
 */
export async function putShareState(
  chunks: Pick<ChunkStore, 'put'>,
  records: Records,
  keys: ShareKeys,
  version: number,
  state: {
    index: Uint8Array | null
    kind: PublicContent['kind']
    name: string
    expires_at: number | null
    /** The link the share moved to; with it, the record forwards there. */
    next?: string
  },
): Promise<ShareState> {
  let index: string | undefined
  if (state.index) {
    const sealed = sealWith(keys.key, INDEX_AAD, state.index)
    const address = chunkAddress(sealed)
    await chunks.put(address, sealed)
    index = toHex(address)
  }
  const doc: ShareState = {
    state: state.next ? 'moved' : state.index ? 'live' : 'revoked',
    kind: state.kind,
    name: state.name,
    ...(index && !state.next ? { index } : {}),
    ...(state.next ? { next: state.next } : {}),
    expires_at: state.expires_at,
    updated_at: Date.now(),
  }
  await records.put(
    signRecord(keys.signer, {
      name: RECORD_NAME,
      version: BigInt(version),
      payload: sealWith(keys.key, RECORD_AAD, Buffer.from(JSON.stringify(doc))),
    }),
  )
  return doc
}

/** The share's state as its record says now; undefined when no record is found. */
export async function readShareState(
  records: Pick<Records, 'get'>,
  link: OpenedLink,
): Promise<{ state: ShareState; version: number } | undefined> {
  const record = await records.get(recordAddress(link.owner, RECORD_NAME))
  if (!record) return undefined
  let doc: ShareState
  try {
    doc = JSON.parse(
      Buffer.from(openWith(link.key, RECORD_AAD, record.payload, 'record')).toString('utf8'),
    ) as ShareState
  } catch (err) {
    if (err instanceof ShareUnreadableError) throw err
    throw new ShareUnreadableError('its record is not a share record')
  }
  const ok =
    (doc?.state === 'live' || doc?.state === 'revoked' || doc?.state === 'moved') &&
    (doc.state !== 'moved' || (typeof doc.next === 'string' && isShareLink(doc.next))) &&
    (doc.kind === 'file' || doc.kind === 'folder') &&
    typeof doc.name === 'string' &&
    (doc.expires_at === null || Number.isSafeInteger(doc.expires_at)) &&
    (doc.state !== 'live' || (typeof doc.index === 'string' && /^[0-9a-f]{64}$/.test(doc.index)))
  if (!ok) throw new ShareUnreadableError('its record is not a share record')
  return { state: doc, version: Number(record.version) }
}

/** The index a share link names now, unread files and all: refused when revoked or expired. */
export async function openShareIndex(
  chunks: Pick<ChunkStore, 'get'>,
  records: Pick<Records, 'get'>,
  link: OpenedLink,
  now = Date.now(),
): Promise<{ state: ShareState; index: IndexDoc }> {
  let found = await readShareState(records, link)
  // a share whose owner changed their password forwards to where it lives now
  for (let hops = 0; found?.state.state === 'moved'; hops++) {
    if (hops === MAX_MOVES) throw new ShareUnreadableError('it moved too many times')
    link = parseShareLink(found.state.next)
    found = await readShareState(records, link)
  }
  if (!found) throw new ShareUnreadableError('no record of it was found in the network')
  const { state } = found
  if (state.state === 'revoked') throw new ShareClosedError('revoked')
  if (state.expires_at !== null && state.expires_at <= now) throw new ShareClosedError('expired')
  const address = fromHex(state.index!)
  const sealed = await chunks.get(address)
  if (!Buffer.from(chunkAddress(sealed)).equals(Buffer.from(address)))
    throw new ShareUnreadableError('its index does not match its address')
  return { state, index: parseIndex(openWith(link.key, INDEX_AAD, sealed, 'index')) }
}

/** What a share link names now: refused when revoked or expired. */
export async function openShare(
  chunks: Pick<ChunkStore, 'get'>,
  records: Pick<Records, 'get'>,
  link: OpenedLink,
  limits: { maxBytes?: number; readingFor?: ReadingFor; now?: number } = {},
): Promise<PublicContent & { updated_at: number; expires_at: number | null }> {
  const { state, index } = await openShareIndex(chunks, records, link, limits.now)
  const content = await readIndexed(chunks, index, state.name, limits)
  return { ...content, updated_at: state.updated_at, expires_at: state.expires_at }
}
