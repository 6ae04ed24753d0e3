// The node's recent log lines, kept in memory for the dashboard's log viewer.
export type LogLevel = 'info' | 'warn' | 'error'

export interface LogEntry {
  seq: number
  at: number
  level: LogLevel
  text: string
}

/** Guesses a line's level from its words: the node logs plain sentences, not levelled records. */
export function levelOf(text: string): LogLevel {
  if (/\b(error|failed|fail|cannot|refused|corrupt)\b/i.test(text)) return 'error'
  if (/\b(warn|warning|lost|full|retry|degraded|excess|slow)\b/i.test(text)) return 'warn'
  return 'info'
}

export class LogRing {
  private readonly entries: LogEntry[] = []
  private readonly listeners = new Set<(e: LogEntry) => void>()
  private seq = 0
  readonly size: number

  constructor(size = 500) {
    this.size = size
  }

  push(text: string, level: LogLevel = levelOf(text), at = Date.now()): LogEntry {
    const entry = { seq: ++this.seq, at, level, text }
    this.entries.push(entry)
    if (this.entries.length > this.size) this.entries.shift()
    for (const listener of this.listeners) listener(entry)
    return entry
  }

  /** The newest `limit` lines at `level` or above, oldest first. */
  recent(opts: { level?: LogLevel; limit?: number } = {}): LogEntry[] {
    const floor = RANK[opts.level ?? 'info']
    const matching = this.entries.filter((e) => RANK[e.level] >= floor)
    return matching.slice(-(opts.limit ?? this.size))
  }

  onEntry(listener: (e: LogEntry) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 }
