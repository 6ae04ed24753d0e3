// The apps the user was asked about and what each was granted, kept in
// <home>/apps.json (0600) across restarts. An app's token is kept only as its
// SHA-256: the file alone lets no one act as an app.
import { createHash, randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PRIVATE_FILE_MODE } from '../home.ts'
import * as refuse from './errors.ts'
import type { AppManifest } from './manifest.ts'
import type { UsagePayment } from './summary.ts'

export type AppState = 'pending' | 'granted' | 'denied' | 'revoked'

/** What the user granted: the manifest's permissions, with the folders the user picked. */
export interface AppGrant {
  container: boolean
  /** Drive paths ("/Photos") the app may read; empty when none. */
  read_folders: string[]
  publish: boolean
  storage_bytes: number
}

export interface AppUsage {
  calls: number
  refused: number
  bytes_read: number
  bytes_written: number
  published: number
  last_call_at: number | null
  /** Winning receipts of its reads whose coin was the developer's share (absent in lists from before it was counted). */
  developer_coins?: number
}

export interface AppEntry {
  id: string
  manifest: AppManifest
  state: AppState
  requested_at: number
  decided_at: number | null
  grant: AppGrant | null
  usage: AppUsage
  /** SHA-256 (hex) of the app's token. */
  token_hash: string
  /** Its usage price paid per period, latest last (absent until the first). */
  payments?: UsagePayment[]
}

/** At most this many requests wait for the user at once: more are refused, so no process floods the list. */
export const MAX_PENDING = 16

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export class GrantStore {
  private readonly file: string
  private readonly apps = new Map<string, AppEntry>()
  private readonly byHash = new Map<string, AppEntry>()
  private saving: Promise<void> = Promise.resolve()
  private touchTimer: NodeJS.Timeout | undefined

  constructor(home: string) {
    this.file = join(home, 'apps.json')
  }

  async load(): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined)
    if (!text) return
    let apps: AppEntry[]
    try {
      apps = (JSON.parse(text) as { apps: AppEntry[] }).apps
      if (!Array.isArray(apps)) throw new TypeError('no list of apps')
    } catch {
      // a damaged list must not keep the node from starting: it is set aside, and every app asks again
      await rename(this.file, `${this.file}.damaged`).catch(() => {})
      return
    }
    for (const entry of apps) {
      this.apps.set(entry.id, entry)
      this.byHash.set(entry.token_hash, entry)
    }
  }

  /** Writes the whole list atomically; writes are queued so an older list never lands last. */
  save(): Promise<void> {
    clearTimeout(this.touchTimer)
    this.touchTimer = undefined
    const text = JSON.stringify({ apps: [...this.apps.values()] })
    this.saving = this.saving.then(async () => {
      await writeFile(`${this.file}.tmp`, text, { mode: PRIVATE_FILE_MODE })
      await rename(`${this.file}.tmp`, this.file)
    })
    return this.saving
  }

  /** Usage changed: saved within a few seconds, not on every call. */
  touch(): void {
    if (this.touchTimer) return
    this.touchTimer = setTimeout(() => {
      this.touchTimer = undefined
      this.save().catch(() => {})
    }, 2_000)
    this.touchTimer.unref()
  }

  list(): AppEntry[] {
    return [...this.apps.values()].sort((a, b) => b.requested_at - a.requested_at)
  }

  get(id: string): AppEntry | undefined {
    return this.apps.get(id)
  }

  /** A new request, pending until the user answers; the token is returned once and never kept. */
  async request(manifest: AppManifest, now = Date.now()): Promise<{ entry: AppEntry; token: string }> {
    if (this.list().filter((a) => a.state === 'pending').length >= MAX_PENDING) throw refuse.tooManyRequests()
    const token = `pda_${randomBytes(32).toString('base64url')}`
    const entry: AppEntry = {
      id: randomBytes(8).toString('hex'),
      manifest,
      state: 'pending',
      requested_at: now,
      decided_at: null,
      grant: null,
      usage: {
        calls: 0,
        refused: 0,
        bytes_read: 0,
        bytes_written: 0,
        published: 0,
        last_call_at: null,
        developer_coins: 0,
      },
      token_hash: hashToken(token),
    }
    this.apps.set(entry.id, entry)
    this.byHash.set(entry.token_hash, entry)
    await this.save()
    return { entry, token }
  }

  /** The app a token belongs to, in whatever state; a token never issued is refused. */
  byToken(token: string | undefined): AppEntry {
    const entry = token ? this.byHash.get(hashToken(token)) : undefined
    if (!entry) throw refuse.unknownToken()
    return entry
  }

  async grant(id: string, readFolders: string[], now = Date.now()): Promise<AppEntry> {
    const entry = this.decidable(id)
    const p = entry.manifest.permissions
    if (readFolders.length > 0 && !p.read_folders)
      throw refuse.badRequest(`${entry.manifest.name} did not ask to read folders`)
    entry.state = 'granted'
    entry.decided_at = now
    entry.grant = {
      container: p.container,
      read_folders: readFolders,
      publish: p.publish,
      storage_bytes: p.storage_bytes,
    }
    await this.save()
    return entry
  }

  async deny(id: string, now = Date.now()): Promise<AppEntry> {
    const entry = this.decidable(id)
    entry.state = 'denied'
    entry.decided_at = now
    await this.save()
    return entry
  }

  /** Takes a granted app's access away at once: its next call is refused. */
  async revoke(id: string, now = Date.now()): Promise<AppEntry> {
    const entry = this.apps.get(id)
    if (!entry) throw refuse.notFound(`app ${id}`)
    if (entry.state !== 'granted' && entry.state !== 'pending')
      throw refuse.badRequest(`app ${id} is ${entry.state}, not granted`)
    entry.state = 'revoked'
    entry.decided_at = now
    entry.grant = null
    await this.save()
    return entry
  }

  private decidable(id: string): AppEntry {
    const entry = this.apps.get(id)
    if (!entry) throw refuse.notFound(`app ${id}`)
    if (entry.state !== 'pending') throw refuse.badRequest(`app ${id} was already answered: ${entry.state}`)
    return entry
  }
}
