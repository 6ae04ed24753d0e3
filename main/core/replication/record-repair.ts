// Keeps R copies of the newest version of every record this vault holds, the
// way repairer.ts does for chunks: the group member closest to the record
// among those holding the newest version leads and pushes it to the members
// that lack it or hold an older one, passing over full vaults. A holder that
// finds a newer version in its group adopts it first, so holders converge.
import { sameBytes } from '../chunk-store.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import type { SignedRecord } from '../records/format.ts'
import type { RecordPutOutcome } from '../records/holder-rules.ts'
import type { AskRecord } from '../net/network-record-store.ts'
import { addressOf, compareRecords, verifyRecord } from '../records/record.ts'
import { rankForRepair } from './rank.ts'
import type { RankingPeers } from './rank.ts'

export interface HeldRecords {
  recordAddresses(): Uint8Array[]
  getRecord(address: Uint8Array): Promise<SignedRecord | undefined>
  putRecord(record: SignedRecord, address?: Uint8Array): Promise<RecordPutOutcome>
  deleteRecord(address: Uint8Array): Promise<boolean>
}

export interface RecordRepairComponents {
  peers: RankingPeers
  records: HeldRecords
  ask: AskRecord
}

/**
 * Ensures the record's close group holds its newest version. With
 * `selfCounts`, this vault is part of the group and only the closest holder
 * pushes; without, the group is computed as if this vault had gone and this
 * vault pushes. Returns how many vaults besides this one hold the newest
 * version afterwards; `onPush` is told of every copy made.
 */
export async function ensureRecord(
  components: RecordRepairComponents,
  address: Uint8Array,
  selfCounts: boolean,
  replicas: number,
  onPush: () => void,
): Promise<number> {
  const { self } = components.peers
  const mine = await components.records.getRecord(address)
  if (!mine) return 0
  const ranked = (await rankForRepair(components.peers, address, replicas)).filter(
    (p) => selfCounts || p.key !== self.key,
  )
  const group = ranked.slice(0, replicas)
  const others = group.filter((p) => p.key !== self.key)
  const theirs = await Promise.all(others.map((p) => fetchValid(components.ask, p, address)))
  let best = mine
  for (const record of theirs) if (record && compareRecords(record, best) > 0) best = record
  if (best !== mine) {
    // A newer version exists: hold it here too, or leave the pushing to the vaults that do.
    const adopted = await components.records.putRecord(best, address).then(
      () => true,
      () => false,
    )
    if (!adopted) return theirs.filter((r) => r && compareRecords(r, best) === 0).length
  }
  const current = (r: SignedRecord | undefined): boolean => r !== undefined && compareRecords(r, best) >= 0
  const holders = others.filter((_, i) => current(theirs[i]))
  if (selfCounts) {
    const selfInGroup = group.some((p) => p.key === self.key)
    const closestHolder = group.find((p) => p.key === self.key || holders.includes(p))
    // Another holder of the newest version is closer: it leads.
    if (closestHolder && closestHolder.key !== self.key && (selfInGroup || holders.length > 0))
      return holders.length
  }
  const behind = others.filter((_, i) => !current(theirs[i]))
  const spare = ranked.slice(replicas).filter((p) => p.key !== self.key)
  let copies = holders.length
  for (const target of behind) {
    let peer: VaultPeer | undefined = target
    while (peer) {
      const res = await components
        .ask(peer, { type: 'record-put', address, record: best })
        .catch(() => undefined)
      if (res?.status === 'ok' || res?.status === 'stale') {
        copies++
        if (res.status === 'ok') onPush()
        break
      }
      // A full or failing vault is passed over for the next closest one.
      peer = spare.shift()
    }
  }
  return copies
}

async function fetchValid(
  ask: AskRecord,
  peer: VaultPeer,
  address: Uint8Array,
): Promise<SignedRecord | undefined> {
  const res = await ask(peer, { type: 'record-get', address }).catch(() => undefined)
  const record = res?.status === 'ok' ? res.record : undefined
  return record && verifyRecord(record) && sameBytes(addressOf(record), address) ? record : undefined
}
