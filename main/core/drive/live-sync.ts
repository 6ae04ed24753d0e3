// Following the other devices of the account: the drive's root record is
// read every few seconds, and a root this device did not make is merged into
// its tree in place, without remounting — a three-way merge against the last
// root both sides had (drive/merge-tree.ts finds what changed there,
// drive/merge-apply.ts applies it here). A device back after a day offline
// does the same with everything that changed meanwhile.
//
// Which root is the common one: each root names the root it was built on
// (its parent). The root this device's tree last matched (`tip_root`) is the
// base when the new root descends from it. Otherwise both devices published
// at once (a fork: record holders may even keep different roots of one
// version) and the base is the nearest root in both lines of parents; past
// MAX_ANCESTRY roots, the last root this device took from another
// (`shared_root`). A base older than need be costs at most a conflict copy
// too many; a base that held this device's own changes would undo them, so
// this device's own commits never become `shared_root`.
import { hostname } from 'node:os'
import { decodeHandle } from '../selfenc/index.ts'
import type { SelfEncryptor } from '../selfenc/index.ts'
import type { DriveDb } from './db.ts'
import { ROOT_INO } from './db.ts'
import type { DriveChunks, DriveEvent } from './drive-ports.ts'
import { applyMerge, dirKey } from './merge-apply.ts'
import type { MergeResult } from './merge-apply.ts'
import { decodeRootInfo, diffTrees } from './merge-tree.ts'
import { openRoot } from './root.ts'
import type { RootStore } from './root.ts'
import type { Syncer } from './syncer.ts'

export const DEFAULT_LIVE_SYNC_MS = 2_000
/** How far back a root's parents are followed to find the common root. */
const MAX_ANCESTRY = 256
/** Reads that fail (no network) are tried again less often, but a device back online is not kept waiting long. */
const MAX_BACKOFF_MS = 15_000

export interface LiveSyncComponents {
  db: DriveDb
  syncer: Pick<Syncer, 'exclusive' | 'hasLocalChanges' | 'markDirty'>
  enc: SelfEncryptor
  source: Pick<DriveChunks, 'get'>
  root: RootStore
  key: Uint8Array
  intervalMs: number
  device?: string
  /** The file has content here not yet in the network, or is open for writing. */
  busy(ino: number): boolean
  /** After the merge: frees what it left behind (old staging copies, unlinked inodes) and moves history. */
  settle(result: MergeResult): Promise<void>
  log: (line: string) => void
  onEvent: (e: DriveEvent) => void
}

export interface MergeReport {
  version: bigint
  changes: number
  conflicts: MergeResult['conflicts']
}

export class LiveSync {
  private readonly c: LiveSyncComponents
  private timer: NodeJS.Timeout | undefined
  private running = false
  private checking: Promise<MergeReport | undefined> | undefined
  private again = false
  private failures = 0
  /** When the last merge ended: what propagation is measured to. */
  lastMergeAt = 0

  constructor(components: LiveSyncComponents) {
    this.c = components
  }

  /** Looks at once (a device back after a while merges before anything else), then every interval. */
  start(): void {
    this.running = true
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.running = false
    clearTimeout(this.timer)
    await this.checking?.catch(() => {})
  }

  /** Looks now (a commit was refused as stale: another device got there first). */
  checkSoon(): void {
    if (!this.running) return
    this.schedule(0)
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.check()
        .then(() => {
          this.failures = 0
        })
        .catch((err: Error) => {
          this.failures++
          if (this.failures === 1 || this.failures % 30 === 0)
            this.c.log(
              `live sync: reading or merging the drive's root failed (${this.failures}x): ${err.message}`,
            )
        })
        .finally(() => {
          if (this.running)
            this.schedule(
              this.failures === 0
                ? this.c.intervalMs
                : Math.min(MAX_BACKOFF_MS, this.c.intervalMs * 2 ** Math.min(this.failures, 5)),
            )
        })
    }, delayMs)
    this.timer.unref()
  }

  /** Reads the root record and merges it if another device published it; one check at a time. */
  async check(): Promise<MergeReport | undefined> {
    if (this.checking) {
      this.again = true
      return this.checking
    }
    this.checking = (async () => {
      try {
        let report: MergeReport | undefined
        do {
          this.again = false
          report = (await this.checkOnce()) ?? report
        } while (this.again)
        return report
      } finally {
        this.checking = undefined
      }
    })()
    return this.checking
  }

  private async checkOnce(): Promise<MergeReport | undefined> {
    const record = await this.c.root.load()
    if (!record) return undefined
    const remote = openRoot(this.c.key, record.payload)
    const db = this.c.db
    if (this.tip() === remote) return undefined
    // Holders still behind this device's own last commit: nothing new.
    if (record.version < BigInt(db.meta('root_version') ?? '0')) return undefined
    // The ancestry walk fetches; commits may go on meanwhile, the merge itself waits for them.
    const ancestry = await this.ancestry(remote, this.tip())
    return this.c.syncer.exclusive(async () => {
      const tip = this.tip()
      if (tip === remote) return undefined
      if (record.version < BigInt(db.meta('root_version') ?? '0')) return undefined
      const fork = tip !== undefined && !ancestry.has(tip)
      const base = fork ? await this.commonRoot(tip, ancestry) : tip
      const diff = await diffTrees((h) => this.read(h), base, remote)
      const remoteDevice = (await this.info(remote)).device ?? 'another device'
      const localChanges = this.c.syncer.hasLocalChanges()
      const result = applyMerge(
        {
          db,
          busy: (ino) => this.c.busy(ino),
          localDevice: this.c.device ?? hostname(),
          remoteDevice,
        },
        diff.changes,
      )
      db.setMeta('root_version', String(record.version))
      db.setMeta('tip_root', remote)
      db.setMeta('shared_root', remote)
      if (fork) {
        // This device's last commit is not in the remote tree: all of it is published again on top.
        for (const dir of db.listDirs()) this.c.syncer.markDirty(dir)
        this.c.syncer.markDirty(ROOT_INO)
      } else if (localChanges || result.diverged) {
        for (const dir of result.touched) this.c.syncer.markDirty(dir)
      } else {
        // The tree here is the remote tree now: its directories' handles are this tree's too.
        for (const dir of result.touched) {
          const key = dirKey(db, dir)
          const handle = key === undefined ? undefined : diff.dirs.get(key)
          if (handle) db.setMeta(`dir:${dir}`, handle)
          else this.c.syncer.markDirty(dir)
        }
        db.setMeta(`dir:${ROOT_INO}`, remote)
      }
      await this.c.settle(result)
      this.lastMergeAt = Date.now()
      const report = { version: record.version, changes: diff.changes.length, conflicts: result.conflicts }
      if (diff.changes.length > 0)
        this.c.log(
          `live sync: merged root version ${record.version} from ${remoteDevice} (${diff.changes.length} changes${fork ? ', published at the same time as this device' : ''})`,
        )
      for (const c of result.conflicts) {
        const message = `${c.path} was changed on two devices at once: both kept, ${c.device}'s edit as ${c.copy}`
        this.c.log(`live sync: ${message}`)
        this.c.onEvent({ type: 'conflict', message })
      }
      if (diff.changes.length > 0)
        this.c.onEvent({ type: 'merged', message: `root version ${record.version} from ${remoteDevice}` })
      return report
    })
  }

  private tip(): string | undefined {
    return this.c.db.meta('tip_root') ?? this.c.db.meta(`dir:${ROOT_INO}`)
  }

  /** `handle` and the roots it was built on, as far as `stop` or MAX_ANCESTRY back. */
  private async ancestry(handle: string, stop: string | undefined): Promise<Set<string>> {
    const seen = new Set<string>([handle])
    let at: string | undefined = handle
    for (let i = 0; at && i < MAX_ANCESTRY && at !== stop; i++) {
      at = (await this.info(at)).parent
      if (!at || seen.has(at)) break
      seen.add(at)
    }
    return seen
  }

  /** The nearest root this device's line shares with the remote's (`remoteLine`). */
  private async commonRoot(tip: string, remoteLine: Set<string>): Promise<string | undefined> {
    let at: string | undefined = tip
    for (let i = 0; at && i < MAX_ANCESTRY; i++) {
      at = (await this.info(at).catch(() => ({ parent: undefined }))).parent
      if (at && remoteLine.has(at)) return at
    }
    // An empty base at worst: everything there is added here, a clash of names kept twice.
    return this.c.db.meta('shared_root')
  }

  private async info(handle: string): Promise<{ device?: string; parent?: string }> {
    return decodeRootInfo(await this.read(handle))
  }

  private read(handle: string): Promise<Uint8Array> {
    return this.c.enc.decrypt(decodeHandle(handle), this.c.source)
  }
}
