// Shares this account opened: links someone gave it (or sent to it), kept in
// the node's home per account, each shown read-only under "Shared with me/"
// in the mount. Every so often each share's record is read again, so the
// folder follows the owner's changes, and disappears once the owner revokes
// it or it expires. Only the index is fetched here; a file's chunks are
// fetched when it is read.
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ChunkStore } from '../chunk-store.ts'
import { UsageError } from '../errors.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { parseDataMap } from '../selfenc/index.ts'
import type { DataMap } from '../selfenc/index.ts'
import { parseShareLink } from './link.ts'
import { ShareClosedError, ShareUnreadableError, openShareIndex } from './sealed.ts'
import type { ShareOffer } from './offer.ts'
import type { ReceivedSummary } from './summary.ts'

/** How often every opened share's record is read again. */
const REFRESH_EVERY_MS = 15_000
const MAX_NAME = 200

export interface ReceivedEntry {
  /** The account that opened it: each account sees only its own. */
  account: string
  link: string
  /** Its folder's name under "Shared with me/", fixed when it was opened. */
  name: string
  added_at: number
  /** The account that sent it, when it came to this account's inbox. */
  from: string | null
}

/** A live share as the mount shows it: every file with its data map, and every folder's entries. */
export interface ShareView {
  kind: 'file' | 'folder'
  /** Relative paths ("" for a shared file itself) to their size and data map. */
  files: Map<string, { size: number; map: DataMap }>
  /** Relative folder paths ("" is the share's own folder) to the names in them. */
  dirs: Map<string, Set<string>>
  updated_at: number
}

export interface ReceivedHost {
  account(): { id: string } | undefined
  chunks: Pick<ChunkStore, 'get'>
  records: Pick<NetworkRecordStore, 'get'>
  /** The offers other accounts sent the open account, opened and checked (inbox.ts, offer.ts). */
  offers?(): Promise<ShareOffer[]>
  /** A share another account sent arrived in "Shared with me/". */
  onReceived?(share: ReceivedSummary): void
  /** An offer of a folder shared for writing: it is mounted as a folder of its own (shared-folders.ts). */
  folderOffer?(offer: ShareOffer): Promise<unknown>
  log?(line: string): void
}

/** Links the user took out of "Shared with me/" are remembered, so an offer still in the inbox does not bring them back. */
const MAX_DISMISSED = 1024

interface Known {
  state: ReceivedSummary['state']
  error: string | null
  view?: ShareView
  files: number
  bytes: number
}

export class ReceivedShares {
  private readonly file: string
  private readonly host: ReceivedHost
  private entries: ReceivedEntry[] = []
  private dismissed: { account: string; link: string }[] = []
  private readonly known = new Map<string, Known>()
  private timer: NodeJS.Timeout | undefined
  private refreshing: Promise<void> | undefined

  private constructor(home: string, host: ReceivedHost) {
    this.file = join(home, 'shared-with-me.json')
    this.host = host
  }

  static async open(home: string, host: ReceivedHost): Promise<ReceivedShares> {
    const received = new ReceivedShares(home, host)
    const text = await readFile(received.file, 'utf8').catch(() => undefined)
    if (text) {
      try {
        const saved = JSON.parse(text) as { shares: ReceivedEntry[]; dismissed?: ReceivedShares['dismissed'] }
        if (Array.isArray(saved.shares)) received.entries = saved.shares
        if (Array.isArray(saved.dismissed)) received.dismissed = saved.dismissed
      } catch {
        await rename(received.file, `${received.file}.damaged`).catch(() => {})
      }
    }
    return received
  }

  start(everyMs = REFRESH_EVERY_MS): void {
    if (this.timer) return
    void this.refresh()
    this.timer = setInterval(() => void this.refresh(), everyMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.refreshing
  }

  /** Opens a share link into "Shared with me/"; the same link twice is one entry. */
  async add(link: string, from: string | null = null): Promise<ReceivedSummary> {
    const account = this.accountId()
    const opened = parseShareLink(link)
    const canonical = link.trim()
    const existing = this.mine(account).find((e) => e.link === canonical)
    if (existing) return this.summary(existing)
    // refused now, and not kept, when the link is revoked, expired or not in the network
    const { state, index } = await openShareIndex(this.host.chunks, this.host.records, opened)
    const entry: ReceivedEntry = {
      account,
      link: canonical,
      name: this.freeName(account, safeName(state.name)),
      added_at: Date.now(),
      from,
    }
    this.entries.push(entry)
    this.dismissed = this.dismissed.filter((d) => !(d.account === account && d.link === canonical))
    this.known.set(keyOf(entry), live(viewOf(index.kind, index.files, state.updated_at)))
    await this.save()
    return this.summary(entry)
  }

  /** Removes an opened share by its name under "Shared with me/" or its link. */
  async remove(target: string): Promise<ReceivedSummary> {
    const account = this.accountId()
    const t = target.trim()
    const entry = this.mine(account).find((e) => e.name === t || e.link === t)
    if (!entry) throw new UsageError(`nothing shared with you is named ${target}`)
    this.entries = this.entries.filter((e) => e !== entry)
    this.known.delete(keyOf(entry))
    this.dismiss(account, entry.link)
    await this.save()
    return { ...this.summary(entry), state: 'removed' }
  }

  /** After a password change gave the account a new id: what it opened stays in its "Shared with me/". */
  async carryOver(oldId: string, newId: string): Promise<void> {
    let changed = false
    for (const e of this.entries) {
      if (e.account !== oldId) continue
      const known = this.known.get(keyOf(e))
      this.known.delete(keyOf(e))
      e.account = newId
      if (known) this.known.set(keyOf(e), known)
      changed = true
    }
    for (const d of this.dismissed) if (d.account === oldId) d.account = newId
    if (changed) await this.save()
  }

  /** The open account's opened shares, newest first. */
  list(): ReceivedSummary[] {
    const account = this.host.account()
    if (!account) return []
    return this.mine(account.id)
      .sort((a, b) => b.added_at - a.added_at)
      .map((e) => this.summary(e))
  }

  /** The live shares of the open account by their folder names, as the mount shows them. */
  views(): Map<string, ShareView> {
    const out = new Map<string, ShareView>()
    const account = this.host.account()
    if (!account) return out
    for (const e of this.mine(account.id)) {
      const view = this.known.get(keyOf(e))?.view
      if (view) out.set(e.name, view)
    }
    return out
  }

  /** Reads every opened share's record again; one refresh at a time. */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshAll().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private async refreshAll(): Promise<void> {
    const account = this.host.account()
    if (!account) return
    await this.takeOffers(account.id)
    for (const e of this.mine(account.id)) {
      const key = keyOf(e)
      try {
        const { state, index } = await openShareIndex(
          this.host.chunks,
          this.host.records,
          parseShareLink(e.link),
        )
        const before = this.known.get(key)?.view
        // an unchanged index keeps its view (and the inode numbers the mount handed out for it)
        if (before && before.updated_at === state.updated_at) continue
        this.known.set(key, live(viewOf(index.kind, index.files, state.updated_at)))
      } catch (err) {
        if (err instanceof ShareClosedError) {
          const why = err.name === 'ShareRevoked' ? 'revoked' : 'expired'
          this.known.set(key, { state: why, error: null, files: 0, bytes: 0 })
          continue
        }
        // the network could not be asked: what was read last stays, with the reason
        const was = this.known.get(key)
        this.known.set(key, {
          ...(was ?? { state: 'unreachable', files: 0, bytes: 0 }),
          error: (err as Error).message,
        })
      }
    }
  }

  /** Opens what other accounts sent into "Shared with me/"; an offer that cannot be opened is not tried again. */
  private async takeOffers(account: string): Promise<void> {
    const offers = await this.host.offers?.().catch((err: Error) => {
      this.host.log?.(`collecting shares sent to this account failed: ${err.message}`)
      return []
    })
    for (const offer of offers ?? []) {
      if (offer.folder) {
        await this.host
          .folderOffer?.(offer)
          .catch((err: Error) => this.host.log?.(`taking a folder shared for writing failed: ${err.message}`))
        continue
      }
      const link = offer.link.trim()
      if (this.mine(account).some((e) => e.link === link)) continue
      if (this.dismissed.some((d) => d.account === account && d.link === link)) continue
      try {
        const added = await this.add(link, offer.from)
        this.host.log?.(`${offer.from.slice(0, 12)}… shared "${added.name}" with this account`)
        this.host.onReceived?.(added)
      } catch (err) {
        // revoked, expired or not a share at all: dropped; an outage: tried again at the next refresh
        if (
          err instanceof UsageError ||
          err instanceof ShareClosedError ||
          err instanceof ShareUnreadableError
        ) {
          this.dismiss(account, link)
          await this.save()
        }
      }
    }
  }

  private dismiss(account: string, link: string): void {
    this.dismissed.push({ account, link })
    if (this.dismissed.length > MAX_DISMISSED) this.dismissed = this.dismissed.slice(-MAX_DISMISSED)
  }

  private summary(e: ReceivedEntry): ReceivedSummary {
    const k = this.known.get(keyOf(e))
    return {
      name: e.name,
      link: e.link,
      from: e.from,
      added_at: e.added_at,
      kind: k?.view?.kind ?? null,
      state: k?.state ?? 'unreachable',
      files: k?.files ?? 0,
      bytes: k?.bytes ?? 0,
      error: k?.error ?? null,
    }
  }

  private accountId(): string {
    const account = this.host.account()
    if (!account) throw new UsageError('open an account first: what is shared with you belongs to it')
    return account.id
  }

  private mine(account: string): ReceivedEntry[] {
    return this.entries.filter((e) => e.account === account)
  }

  private freeName(account: string, wanted: string): string {
    const taken = new Set(this.mine(account).map((e) => e.name))
    if (!taken.has(wanted)) return wanted
    for (let n = 2; ; n++) if (!taken.has(`${wanted} (${n})`)) return `${wanted} (${n})`
  }

  private async save(): Promise<void> {
    const tmp = `${this.file}.tmp`
    await writeFile(tmp, JSON.stringify({ shares: this.entries, dismissed: this.dismissed }, null, 2), {
      mode: 0o600,
    })
    await rename(tmp, this.file)
  }
}

const keyOf = (e: ReceivedEntry): string => `${e.account} ${e.link}`

/** A share's name as one safe folder name: no slashes, no NULs, not empty, not "." or "..". */
export function safeName(name: string): string {
  const cleaned = name
    .replace(/[/\0\\]/g, '_')
    .trim()
    .slice(0, MAX_NAME)
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'shared' : cleaned
}

function live(view: ShareView): Known {
  let bytes = 0
  for (const f of view.files.values()) bytes += f.size
  return { state: 'live', error: null, view, files: view.files.size, bytes }
}

/**
 * The files and folders an index lists (its paths were checked to stay inside
 * the share). A path that is both a file and a folder in a hostile index is
 * shown as the folder.
 */
export function viewOf(
  kind: 'file' | 'folder',
  listed: { path: string; size: number; map: string }[],
  updatedAt: number,
): ShareView {
  const files = new Map<string, { size: number; map: DataMap }>()
  const dirs = new Map<string, Set<string>>([['', new Set()]])
  if (kind === 'file') {
    const f = listed.find((x) => x.path === '')
    if (f) files.set('', { size: f.size, map: parseDataMap(Buffer.from(f.map, 'base64url')) })
    return { kind, files, dirs, updated_at: updatedAt }
  }
  for (const f of listed) {
    if (f.path === '') continue
    const parts = f.path.split('/')
    let parent = ''
    for (const [i, name] of parts.entries()) {
      dirs.get(parent)!.add(name)
      const path = parent === '' ? name : `${parent}/${name}`
      if (i < parts.length - 1) {
        files.delete(path)
        if (!dirs.has(path)) dirs.set(path, new Set())
      }
      parent = path
    }
    if (!dirs.has(f.path))
      files.set(f.path, { size: f.size, map: parseDataMap(Buffer.from(f.map, 'base64url')) })
  }
  return { kind, files, dirs, updated_at: updatedAt }
}
