// The drive's version history in the network, so that it follows the account
// to another device and each device sees the versions the others wrote: a
// chain of encrypted segments (each a batch of versions and the handle of the
// one before), whose newest is named by a signed record of the drive owner,
// sealed with the drive key like the root pointer. Every so often a segment
// holds the whole history and starts the chain anew, so that reading it takes
// a bounded number of fetches. A segment is untrusted until it parses.
import { decodeHandle, encodeHandle } from '../selfenc/index.ts'
import type { SelfEncryptor } from '../selfenc/index.ts'
import type { DriveChunks } from './drive-ports.ts'
import { openRoot, sealRoot } from './root.ts'
import type { RootStore } from './root.ts'
import type { NewVersion, VersionRow, VersionStore } from './versions.ts'

export const DRIVE_HISTORY_RECORD = 'peerdrive/drive-history'
const FORMAT = 1
/** After this many segments, the next one holds the whole history and no link back. */
const SNAPSHOT_AFTER = 32
/** A chain longer than this is not walked: it is not one this code wrote. */
const MAX_WALK = 4 * SNAPSHOT_AFTER
const MAX_ROWS = 1_000_000
const RETRY_MAX_MS = 60_000

type RemoteRow = Omit<NewVersion, 'ino'>

interface Segment {
  v: number
  /** Handle of the segment before; null for a segment that holds the whole history. */
  prev: string | null
  /** Segments since the last whole one. */
  depth: number
  rows: RemoteRow[]
}

export interface RemoteHistoryComponents {
  store: RootStore
  key: Uint8Array
  enc: SelfEncryptor
  chunks: Pick<DriveChunks, 'put'>
  source: Pick<DriveChunks, 'get'>
  versions: VersionStore
  meta: { get(key: string): string | undefined; set(key: string, value: string): void }
  /** The inode now at `path`, if any: imported versions attach to it. */
  inoAt: (path: string) => number
  log: (line: string) => void
}

export class RemoteHistory {
  private readonly c: RemoteHistoryComponents
  private running: Promise<void> = Promise.resolve()
  private retryTimer: NodeJS.Timeout | undefined
  private failures = 0
  private stopped = false

  constructor(components: RemoteHistoryComponents) {
    this.c = components
  }

  /** Reads what other devices added, then publishes this device's new versions; one run at a time. */
  sync(): Promise<void> {
    clearTimeout(this.retryTimer)
    if (this.stopped) return Promise.resolve()
    const run = this.running.then(() => this.syncOnce())
    this.running = run.then(
      () => {
        this.failures = 0
      },
      (err: unknown) => {
        // Tried again on its own: a drive with no further commits would otherwise never publish.
        this.failures++
        const delay = Math.min(RETRY_MAX_MS, 2_000 * 2 ** Math.min(this.failures - 1, 10))
        this.c.log(
          `history: reading or publishing versions failed, trying again in ${delay / 1000} s: ${(err as Error).message}`,
        )
        if (this.stopped) return
        this.retryTimer = setTimeout(() => void this.sync().catch(() => {}), delay)
        this.retryTimer.unref()
      },
    )
    return run
  }

  /** Stops retries and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    await this.running
  }

  /** Waits for a run in progress. */
  settled(): Promise<void> {
    return this.running
  }

  private async syncOnce(): Promise<void> {
    const record = await this.c.store.load()
    const knownVersion = BigInt(this.c.meta.get('history_version') ?? '0')
    let head = this.c.meta.get('history_head') ?? null
    let depth = Number(this.c.meta.get('history_depth') ?? '0')
    if (record && record.version > knownVersion) {
      const newest = openRoot(this.c.key, record.payload)
      const { rows, depth: newestDepth } = await this.walk(newest, head)
      const imported = this.c.versions.importRows(rows.map((r) => ({ ...r, ino: this.c.inoAt(r.path) })))
      if (imported > 0)
        this.c.log(`history: ${imported} version(s) read from the drive's history in the network`)
      head = newest
      depth = newestDepth
      this.remember(record.version, head, depth)
    }
    const fresh = this.c.versions.unpublished()
    if (fresh.length === 0) return
    const whole = head === null || depth + 1 >= SNAPSHOT_AFTER
    const segment: Segment = whole
      ? { v: FORMAT, prev: null, depth: 0, rows: this.c.versions.all().map(remoteRow) }
      : { v: FORMAT, prev: head, depth: depth + 1, rows: fresh.map(remoteRow) }
    const map = await this.c.enc.encrypt(Buffer.from(JSON.stringify(segment), 'utf8'), this.c.chunks)
    const handle = encodeHandle(map)
    const version = (record?.version ?? 0n) + 1n
    await this.c.store.save(version, sealRoot(this.c.key, handle))
    this.c.versions.published(fresh[fresh.length - 1]!.id)
    this.remember(version, handle, segment.depth)
  }

  private remember(version: bigint, head: string, depth: number): void {
    this.c.meta.set('history_version', String(version))
    this.c.meta.set('history_head', head)
    this.c.meta.set('history_depth', String(depth))
  }

  /** Rows of the segments from `from` back to `known` (or a whole one), oldest first. */
  private async walk(from: string, known: string | null): Promise<{ rows: RemoteRow[]; depth: number }> {
    const segments: Segment[] = []
    for (let at: string | null = from; at !== null && at !== known;) {
      if (segments.length >= MAX_WALK)
        throw new Error(`the history chain is longer than ${MAX_WALK} segments`)
      const segment = decodeSegment(await this.c.enc.decrypt(decodeHandle(at), this.c.source))
      segments.push(segment)
      at = segment.prev
    }
    return {
      rows: segments.reverse().flatMap((s) => s.rows),
      depth: segments[segments.length - 1]?.depth ?? 0,
    }
  }
}

function remoteRow(r: VersionRow): RemoteRow {
  return {
    path: r.path,
    at: r.at,
    mtime: r.mtime,
    size: r.size,
    mode: r.mode,
    handle: r.handle,
    device: r.device,
  }
}

const isUint = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0

function decodeSegment(bytes: Uint8Array): Segment {
  let doc: Segment
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Segment
  } catch {
    throw new Error('a history segment is not JSON')
  }
  if (doc?.v !== FORMAT) throw new Error(`a history segment has unknown format ${String(doc?.v)}`)
  if (!(doc.prev === null || typeof doc.prev === 'string') || !isUint(doc.depth))
    throw new Error('a history segment has no valid link')
  if (!Array.isArray(doc.rows) || doc.rows.length > MAX_ROWS) throw new Error('a history segment has no rows')
  for (const r of doc.rows) {
    const ok =
      typeof r?.path === 'string' &&
      r.path.startsWith('/') &&
      r.path.length <= 4096 &&
      isUint(r.at) &&
      Number.isFinite(r.mtime) &&
      isUint(r.size) &&
      isUint(r.mode) &&
      (r.handle === null || typeof r.handle === 'string') &&
      (r.device === null || typeof r.device === 'string')
    if (!ok) throw new Error('a history segment has a bad row')
  }
  return doc
}
