// Which files and folders are kept on this device: a choice per inode (so it
// follows renames), "keep" or "free", in the drive's database. An entry's
// state is that of its nearest pinned ancestor, itself included; with none
// it is online only. A "free" pin marks what was freed inside a kept folder.
import type { Database } from 'better-sqlite3'
import type { DriveDb } from './db.ts'
import { ROOT_INO } from './db.ts'

export type PinChoice = 'keep' | 'free'

export class Pins {
  private readonly db: DriveDb
  private readonly sql: Database

  constructor(db: DriveDb) {
    this.db = db
    this.sql = db.db
    this.sql.exec('CREATE TABLE IF NOT EXISTS pins (ino INTEGER PRIMARY KEY, keep INTEGER NOT NULL)')
  }

  all(): { ino: number; choice: PinChoice }[] {
    return (this.sql.prepare('SELECT ino, keep FROM pins').all() as { ino: number; keep: number }[]).map(
      (r) => ({ ino: r.ino, choice: r.keep ? 'keep' : 'free' }),
    )
  }

  get(ino: number): PinChoice | undefined {
    const row = this.sql.prepare('SELECT keep FROM pins WHERE ino = ?').get(ino) as
      { keep: number } | undefined
    return row ? (row.keep ? 'keep' : 'free') : undefined
  }

  /** Whether an entry is kept: its own pin, else its nearest pinned folder's (through the name it was reached by). */
  kept(ino: number, parent?: number): boolean {
    for (let at: number | undefined = ino, up = parent; at !== undefined;) {
      const choice = this.get(at)
      if (choice) return choice === 'keep'
      if (at === ROOT_INO) return false
      const next: number | undefined = up ?? this.db.parents(at)[0]
      up = undefined
      at = next
    }
    return false
  }

  /** Sets the choice for an entry and clears every choice below it, which it overrides. */
  choose(ino: number, parent: number | undefined, keep: boolean): void {
    this.db.transaction(() => {
      for (const below of this.below(ino)) this.sql.prepare('DELETE FROM pins WHERE ino = ?').run(below)
      this.sql.prepare('DELETE FROM pins WHERE ino = ?').run(ino)
      // freeing what no kept folder holds needs no pin: online only is the default
      const inherited = ino === ROOT_INO ? false : this.kept(parent ?? this.db.parents(ino)[0] ?? ROOT_INO)
      if (keep !== inherited)
        this.sql.prepare('INSERT INTO pins (ino, keep) VALUES (?, ?)').run(ino, keep ? 1 : 0)
    })
  }

  /** Pins of entries that are gone. */
  prune(): void {
    for (const { ino } of this.all())
      if (!this.db.get(ino)) this.sql.prepare('DELETE FROM pins WHERE ino = ?').run(ino)
  }

  /** Every pinned inode strictly below `ino`. */
  private below(ino: number): number[] {
    const pinned = new Set(this.all().map((p) => p.ino))
    const out: number[] = []
    const visit = (dir: number): void => {
      for (const child of this.db.list(dir)) {
        if (pinned.has(child.ino)) out.push(child.ino)
        if (child.kind === 'dir') visit(child.ino)
      }
    }
    if (this.db.get(ino)?.kind === 'dir') visit(ino)
    return out
  }
}
