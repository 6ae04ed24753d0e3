// An account's id is the public key of keys a password change rotates, so
// the id others knew stops being the account's. So that what they send to
// it still arrives, the retired id names its successor: a record under the
// retired account key, put once at the change with the highest version a
// record can have. Holders refuse any other record of that name and version,
// so not even a stolen copy of the retired key can point the id elsewhere
// afterwards. Senders follow such forwards before sealing an offer.
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { MAX_VERSION, OwnerKey, recordAddress, signRecord } from '../records/index.ts'
import { isAccountId } from './offer.ts'

export const ACCOUNT_MOVED_RECORD = 'peerdrive/account-moved'
/** Forwards followed before the id reached is taken as it is (each password change adds one). */
const MAX_FORWARDS = 16

/** Points the retired account's id at `nextId`, for good. */
export async function publishForward(
  records: Pick<NetworkRecordStore, 'put'>,
  retiredAccountSeed: Uint8Array,
  nextId: string,
): Promise<void> {
  await records.put(
    signRecord(OwnerKey.fromSeed(retiredAccountSeed), {
      name: ACCOUNT_MOVED_RECORD,
      version: MAX_VERSION,
      payload: Buffer.from(JSON.stringify({ next: nextId })),
    }),
  )
}

/** The id the account that went by `id` has now: `id` itself unless it moved. */
export async function currentAccountId(
  records: Pick<NetworkRecordStore, 'get'>,
  id: string,
): Promise<string> {
  const seen = new Set<string>([id])
  let at = id
  for (let i = 0; i < MAX_FORWARDS; i++) {
    const record = await records.get(recordAddress(Buffer.from(at, 'hex'), ACCOUNT_MOVED_RECORD))
    if (!record || record.version !== MAX_VERSION) return at
    let next: unknown
    try {
      next = (JSON.parse(Buffer.from(record.payload).toString('utf8')) as { next?: unknown }).next
    } catch {
      return at
    }
    if (!isAccountId(next) || seen.has(next)) return at
    seen.add(next)
    at = next
  }
  return at
}
