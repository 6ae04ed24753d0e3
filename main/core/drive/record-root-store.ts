// The drive's root pointer kept in the network as a signed record of the
// drive owner: only the owner key can publish a new version, and holders
// refuse anything older than what they have.
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import type { OwnerKey, SignedRecord } from '../records/index.ts'
import { recordAddress, signRecord } from '../records/index.ts'
import type { RootRecord, RootStore } from './root.ts'

export const DRIVE_ROOT_RECORD = 'peerdrive/drive-root'

export class RecordRootStore implements RootStore {
  private readonly records: Pick<NetworkRecordStore, 'put' | 'putCopies' | 'get'>
  private readonly owner: OwnerKey
  private readonly name: string

  /** `name` is the record's: the root pointer's by default, or another pointer of the drive (its history). */
  constructor(
    records: Pick<NetworkRecordStore, 'put' | 'putCopies' | 'get'>,
    owner: OwnerKey,
    name = DRIVE_ROOT_RECORD,
  ) {
    this.records = records
    this.owner = owner
    this.name = name
  }

  async load(): Promise<RootRecord | undefined> {
    const record = await this.records.get(recordAddress(this.owner.publicKey, this.name))
    return record && { version: record.version, payload: record.payload }
  }

  async save(version: bigint, payload: Uint8Array): Promise<void> {
    await this.records.put(this.sign(version, payload))
  }

  /** Publishes like save() and returns how many vaults other than this node hold the new version. */
  async saveCopies(version: bigint, payload: Uint8Array): Promise<number> {
    return this.records.putCopies(this.sign(version, payload))
  }

  private sign(version: bigint, payload: Uint8Array): SignedRecord {
    return signRecord(this.owner, { name: this.name, version, payload })
  }
}
