// Every call an app makes, allowed or refused, one line per call in
// <home>/app-logs/<app id>.log (0600), and the newest lines in memory for the
// dashboard. A log that grows past its limit starts again, the old one kept once.
import { appendFile, mkdir, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../home.ts'

export interface AppLogEntry {
  at: number
  command: string
  /** The path or address the call named, when it named one. */
  target?: string
  outcome: 'ok' | 'refused' | 'failed'
  /** Why it was refused or failed. */
  detail?: string
}

const KEPT_IN_MEMORY = 200
const MAX_FILE_BYTES = 1 * 2 ** 20

export class AppLog {
  private readonly dir: string
  private readonly recent = new Map<string, AppLogEntry[]>()
  private writing: Promise<void> = Promise.resolve()

  constructor(home: string) {
    this.dir = join(home, 'app-logs')
  }

  add(appId: string, entry: AppLogEntry): void {
    const list = this.recent.get(appId) ?? []
    list.push(entry)
    if (list.length > KEPT_IN_MEMORY) list.shift()
    this.recent.set(appId, list)
    const line = `${JSON.stringify(entry)}\n`
    // a log that cannot be written must not fail the call it records
    this.writing = this.writing.then(() => this.append(appId, line)).catch(() => {})
  }

  /** Newest last. */
  entries(appId: string, limit = KEPT_IN_MEMORY): AppLogEntry[] {
    return (this.recent.get(appId) ?? []).slice(-limit)
  }

  /** Resolves once every line added so far is on disk. */
  flushed(): Promise<void> {
    return this.writing
  }

  fileOf(appId: string): string {
    return join(this.dir, `${appId}.log`)
  }

  private async append(appId: string, line: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE })
    const file = this.fileOf(appId)
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    )
    if (size > MAX_FILE_BYTES) await rename(file, `${file}.1`)
    await appendFile(file, line, { mode: PRIVATE_FILE_MODE })
  }
}
