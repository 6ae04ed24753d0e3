// The account's folders shared for writing, kept in the network: a record of
// the account, sealed with its drive key, so that each of its devices (and
// the next login anywhere) mounts the same folders with the same keys. The
// keys are random per folder, not derived from the account's seed: both
// accounts hold them, and a password change must not move the folder.
import { UsageError } from '../errors.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { OwnerKey, recordAddress, signRecord } from '../records/index.ts'
import { ShareUnreadableError, openWith, sealWith } from './sealed.ts'

export const FOLDER_LIST_RECORD = 'peerdrive/shared-folders'
const AAD = Buffer.from('peerdrive/shared-folders/v1')
/** Folders and remembered departures an account keeps; the oldest departures go first. */
export const MAX_FOLDER_ENTRIES = 128

export interface FolderEntry {
  /** 16 hex characters, the same for every account sharing the folder. */
  id: string
  /** Where the folder is mounted in this account's drive. */
  at: string
  /** The folder's own drive keys, hex: the signing seed of its root record and the key sealing it. */
  owner_seed: string
  key: string
  /** 'owner': this account shared it; 'member': another account shared it with this one. */
  role: 'owner' | 'member'
  /** The accounts the owner sent it to. */
  with: string[]
  /** The account that sent it (members). */
  from: string | null
  added_at: number
  /** When this account left it (or, the owner, stopped sharing these keys): kept so an offer still waiting does not bring it back. */
  left_at: number | null
}

export interface FolderList {
  /** The record version it was read at (0: none yet). */
  version: bigint
  folders: FolderEntry[]
}

export interface ListAccount {
  /** The account's drive-owner seed (signs the record) and drive key (seals it). */
  seed: Uint8Array
  key: Uint8Array
}

type Records = Pick<NetworkRecordStore, 'get' | 'put'>

export async function loadFolderList(
  records: Pick<Records, 'get'>,
  account: ListAccount,
): Promise<FolderList> {
  const owner = OwnerKey.fromSeed(account.seed)
  const record = await records.get(recordAddress(owner.publicKey, FOLDER_LIST_RECORD))
  if (!record) return { version: 0n, folders: [] }
  let doc: { folders?: unknown }
  try {
    doc = JSON.parse(Buffer.from(openWith(account.key, AAD, record.payload, 'list')).toString('utf8')) as {
      folders?: unknown
    }
  } catch {
    throw new ShareUnreadableError("the account's list of shared folders does not open with its drive key")
  }
  const folders = Array.isArray(doc.folders) ? doc.folders.filter(isFolderEntry) : []
  return { version: record.version, folders }
}

/** Publishes `folders` as the version after `list`'s; returns the new list. */
export async function saveFolderList(
  records: Records,
  account: ListAccount,
  list: FolderList,
  folders: FolderEntry[],
): Promise<FolderList> {
  const kept = trim(folders)
  const payload = Buffer.from(JSON.stringify({ folders: kept }))
  // the record's payload limit, with room for the seal
  if (payload.length > 60_000) throw new UsageError('the list of shared folders is full: leave one first')
  const version = list.version + 1n
  await records.put(
    signRecord(OwnerKey.fromSeed(account.seed), {
      name: FOLDER_LIST_RECORD,
      version,
      payload: sealWith(account.key, AAD, payload),
    }),
  )
  return { version, folders: kept }
}

/** Live folders all stay; departures are forgotten oldest first past the limit. */
function trim(folders: FolderEntry[]): FolderEntry[] {
  const live = folders.filter((f) => f.left_at === null)
  const left = folders.filter((f) => f.left_at !== null).sort((a, b) => b.left_at! - a.left_at!)
  return [...live, ...left.slice(0, Math.max(0, MAX_FOLDER_ENTRIES - live.length))]
}

const HEX64 = /^[0-9a-f]{64}$/

function isFolderEntry(v: unknown): v is FolderEntry {
  const f = v as Record<string, unknown>
  return (
    typeof f?.id === 'string' &&
    /^[0-9a-f]{16}$/.test(f.id) &&
    typeof f.at === 'string' &&
    f.at.startsWith('/') &&
    f.at.length > 1 &&
    f.at.length <= 4096 &&
    typeof f.owner_seed === 'string' &&
    HEX64.test(f.owner_seed) &&
    typeof f.key === 'string' &&
    HEX64.test(f.key) &&
    (f.role === 'owner' || f.role === 'member') &&
    Array.isArray(f.with) &&
    f.with.every((w) => typeof w === 'string' && HEX64.test(w)) &&
    (f.from === null || (typeof f.from === 'string' && HEX64.test(f.from))) &&
    Number.isSafeInteger(f.added_at) &&
    (f.left_at === null || Number.isSafeInteger(f.left_at))
  )
}

/** After a password change: the list moves to the account's new keys (the folders' own keys stay). */
export async function moveFolderList(records: Records, from: ListAccount, to: ListAccount): Promise<void> {
  const old = await loadFolderList(records, from)
  if (old.folders.length === 0) return
  const current = await loadFolderList(records, to)
  const ids = new Set(current.folders.map((f) => f.id))
  await saveFolderList(records, to, current, [
    ...current.folders,
    ...old.folders.filter((f) => !ids.has(f.id)),
  ])
}
