// A share link: "pds1:" and 64 bytes in base64url, the share's own record
// owner key (where its current state lives) and the key that opens that
// state and the index it names. Both keys of a share derive from the
// account's drive-owner seed and the share's id, so a node keeps no secret
// for a share beyond the account's own keys.
import { hkdfSync } from 'node:crypto'
import { UsageError } from '../errors.ts'
import { OwnerKey } from '../records/index.ts'

export const SHARE_PREFIX = 'pds1:'
const KEY_BYTES = 32

export interface ShareKeys {
  /** Signs the share's record; its public half is in the link. */
  signer: OwnerKey
  /** Seals the share's record and index; in the link. */
  key: Uint8Array
}

/** What a link gives its holder: where the share's record is, and the key to open it. */
export interface OpenedLink {
  owner: Uint8Array
  key: Uint8Array
}

export class ShareLinkError extends UsageError {
  constructor(why: string) {
    super(`not a share link: ${why}`)
    this.name = 'ShareLinkError'
  }
}

export function shareKeys(ownerSeed: Uint8Array, shareId: string): ShareKeys {
  const derive = (what: string) =>
    new Uint8Array(hkdfSync('sha256', ownerSeed, 'peerdrive/share', `${shareId}/${what}`, KEY_BYTES))
  return { signer: OwnerKey.fromSeed(derive('signer')), key: derive('key') }
}

export function shareLink(keys: ShareKeys): string {
  return SHARE_PREFIX + Buffer.concat([keys.signer.publicKey, keys.key]).toString('base64url')
}

export function isShareLink(text: string): boolean {
  return text.trim().startsWith(SHARE_PREFIX)
}

export function parseShareLink(text: unknown): OpenedLink {
  if (typeof text !== 'string') throw new ShareLinkError('it must be text')
  const t = text.trim()
  if (!t.startsWith(SHARE_PREFIX)) throw new ShareLinkError(`it starts with "${SHARE_PREFIX}"`)
  const body = t.slice(SHARE_PREFIX.length)
  const bytes = Buffer.from(body, 'base64url')
  if (bytes.length !== 2 * KEY_BYTES || bytes.toString('base64url') !== body)
    throw new ShareLinkError(`the part after "${SHARE_PREFIX}" is 86 base64url characters`)
  return {
    owner: Uint8Array.from(bytes.subarray(0, KEY_BYTES)),
    key: Uint8Array.from(bytes.subarray(KEY_BYTES)),
  }
}
