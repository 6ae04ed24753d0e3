// The write-back journal's data: one staging file per file with local
// changes, under a byte limit on what they take on disk (a sparse file's
// holes take nothing). A write that would pass the limit waits for uploads to
// drain (back-pressure), then fails with ENOSPC.
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FsError } from './fs-types.ts'

export interface JournalOptions {
  limitBytes: number
  /** How long a write may wait for room before ENOSPC. */
  backpressureMs?: number
  onFull?: (neededBytes: number) => void
}

export class Journal {
  readonly dir: string
  readonly limitBytes: number
  private readonly sizes = new Map<number, number>()
  /** Each staging file gets a fresh name, so dropping an old one can never remove a new one. */
  private readonly names = new Map<number, string>()
  private seq = 0
  private total = 0
  private readonly waiters = new Set<() => void>()
  private readonly backpressureMs: number
  private readonly onFull: (neededBytes: number) => void

  private constructor(dir: string, opts: JournalOptions) {
    this.dir = dir
    this.limitBytes = opts.limitBytes
    this.backpressureMs = opts.backpressureMs ?? 5000
    this.onFull = opts.onFull ?? (() => {})
  }

  static async open(dir: string, opts: JournalOptions): Promise<Journal> {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await chmod(dir, 0o700)
    const journal = new Journal(dir, opts)
    const found: { ino: number; seq: number; name: string }[] = []
    for (const name of await readdir(dir)) {
      const m = /^(\d+)-(\d+)$/.exec(name)
      if (m) found.push({ ino: Number(m[1]), seq: Number(m[2]), name })
      else await rm(join(dir, name), { force: true })
    }
    found.sort((a, b) => a.seq - b.seq)
    for (const f of found) {
      const older = journal.names.get(f.ino)
      if (older) await rm(join(dir, older), { force: true })
      journal.names.set(f.ino, f.name)
      journal.seq = Math.max(journal.seq, f.seq)
    }
    for (const [ino, name] of journal.names) {
      const s = await stat(join(dir, name))
      journal.sizes.set(ino, s.blocks * 512)
      journal.total += s.blocks * 512
    }
    return journal
  }

  /** The staging file of `ino`: its current one, or a fresh name for a new one. */
  path(ino: number): string {
    let name = this.names.get(ino)
    if (!name) {
      name = `${ino}-${++this.seq}`
      this.names.set(ino, name)
    }
    return join(this.dir, name)
  }

  has(ino: number): boolean {
    return this.sizes.has(ino)
  }

  inos(): number[] {
    return [...this.sizes.keys()]
  }

  get usedBytes(): number {
    return this.total
  }

  /** Bytes the staging file of `ino` takes, as last counted. */
  usedBy(ino: number): number {
    return this.sizes.get(ino) ?? 0
  }

  /** Records that the staging file of `ino` now takes `bytes` on disk (no room check: used for replay, truncation and recounts). */
  track(ino: number, bytes: number): void {
    this.total += bytes - (this.sizes.get(ino) ?? 0)
    this.sizes.set(ino, bytes)
  }

  /** Makes room for the staging file of `ino` to take `growth` more bytes, waiting for uploads if needed. */
  async reserve(ino: number, growth: number): Promise<void> {
    const used = this.sizes.get(ino) ?? 0
    if (growth <= 0 || this.total + growth <= this.limitBytes) {
      this.track(ino, used + Math.max(0, growth))
      return
    }
    const deadline = Date.now() + this.backpressureMs
    while (this.total + growth > this.limitBytes) {
      const left = deadline - Date.now()
      if (left <= 0) {
        this.onFull(growth)
        throw new FsError(
          'ENOSPC',
          `the upload journal is full (${this.limitBytes} bytes); waiting uploads must finish first`,
        )
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 250))
        function done(): void {
          clearTimeout(timer)
          resolve()
        }
        this.waiters.add(done)
      })
    }
    this.track(ino, (this.sizes.get(ino) ?? 0) + growth)
  }

  /** Forgets the staging file at once and deletes it in the background of the caller. */
  async drop(ino: number): Promise<void> {
    const name = this.names.get(ino)
    this.names.delete(ino)
    this.total -= this.sizes.get(ino) ?? 0
    this.sizes.delete(ino)
    for (const wake of this.waiters) wake()
    this.waiters.clear()
    if (name) await rm(join(this.dir, name), { force: true })
  }
}
