// What the drive and its helpers (syncer, remote history) share of the world
// outside: the chunk store they upload to and the events they report.
import type { ChunkStore } from '../chunk-store.ts'

export interface DriveEvent {
  type: 'journal-full' | 'sync-error' | 'synced' | 'committed' | 'degraded' | 'conflict' | 'merged'
  message: string
}

/** The chunk store the drive uploads to; `putCopies` tells how many vaults other than this node hold a chunk. */
export type DriveChunks = Pick<ChunkStore, 'get' | 'put'> & {
  putCopies?(address: Uint8Array, bytes: Uint8Array): Promise<number>
  readonly replicas?: number
}
