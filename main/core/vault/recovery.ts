// Bringing index and disk back into agreement when a vault opens, whatever
// state a crash (kill -9, power loss) or a hand edit left them in. A chunk
// file is trusted without its row only if its bytes hash to its name, so a
// partial write can never become a served chunk.
import type { Dirent } from 'node:fs'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fromHex, sameBytes } from '../chunk-store.ts'
import { errno, removeEntry, sha256 } from './fs-steps.ts'
import type { IndexDb } from './index-db.ts'
import { allShards, isChunkName, isShardName } from './layout.ts'
import type { VaultLayout } from './layout.ts'
import { onDisk } from './quota.ts'

export interface RecoveryReport {
  /** Unfinished writes found in tmp/ and removed. */
  tmpCleared: number
  /** Index rows whose chunk file was gone. */
  rowsDropped: number
  /** Chunk files without a row whose bytes matched their name: indexed again. */
  adopted: number
  /** Chunk files without a row whose bytes did not match their name: removed. */
  deleted: number
  /** Entries in chunks/ that are not chunks (foreign names, misplaced files): removed. */
  strays: number
}

/** Index changes per transaction: keeps each commit, and so the WAL, small. */
const BATCH = 16

export async function recover(layout: VaultLayout, db: IndexDb, block: number): Promise<RecoveryReport> {
  const report: RecoveryReport = { tmpCleared: 0, rowsDropped: 0, adopted: 0, deleted: 0, strays: 0 }

  for (const name of await readdir(layout.tmp)) {
    await removeEntry(join(layout.tmp, name))
    report.tmpCleared++
  }

  for (const entry of await readdir(layout.chunks, { withFileTypes: true })) {
    if (isShardName(entry.name) && entry.isDirectory()) continue
    await removeEntry(join(layout.chunks, entry.name))
    report.strays++
  }

  // Shard by shard, so memory stays bounded by one shard's names whatever the vault holds.
  for (const shard of allShards()) {
    const dir = layout.shardDir(shard)
    const onDiskNames = new Set<string>()
    for (const entry of await readdirIfPresent(dir)) {
      if (entry.isFile() && isChunkName(entry.name) && entry.name.startsWith(shard))
        onDiskNames.add(entry.name)
      else {
        await removeEntry(join(dir, entry.name))
        report.strays++
      }
    }

    const missing: Buffer[] = []
    for (const address of db.addressesStartingWith(Number.parseInt(shard, 16))) {
      const hex = address.toString('hex')
      if (!onDiskNames.delete(hex)) missing.push(address)
    }
    for (let i = 0; i < missing.length; i += BATCH) {
      db.batch(() => {
        for (const address of missing.slice(i, i + BATCH)) if (db.remove(address)) report.rowsDropped++
      })
    }

    // What is left on disk has no row: the window between rename and insert.
    const adopt: { address: Uint8Array; size: number; disk: number }[] = []
    for (const hex of onDiskNames) {
      const file = join(dir, hex)
      const address = fromHex(hex)
      const bytes = await readFile(file)
      if (sameBytes(sha256(bytes), address)) {
        adopt.push({ address, size: bytes.byteLength, disk: onDisk(await stat(file), block) })
      } else {
        await removeEntry(file)
        report.deleted++
      }
    }
    for (let i = 0; i < adopt.length; i += BATCH) {
      db.batch(() => {
        for (const c of adopt.slice(i, i + BATCH)) if (db.insert(c.address, c.size, c.disk)) report.adopted++
      })
    }
  }
  return report
}

async function readdirIfPresent(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true })
  } catch (error) {
    if (errno(error) === 'ENOENT') return []
    throw error
  }
}
