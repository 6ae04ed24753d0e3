// The links this node's account has shared: made, kept current, expired and
// revoked here. Each share is kept in <home>/shares.json (its keys are not:
// they derive from the account's seed). Every few seconds each live share's
// tree is compared with what was last published (names, sizes, times), and a
// change publishes a new index, so a link follows the folder; a revoked or
// expired share is sealed "revoked" and never published again.
import { createHash, randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { ChunkStore } from '../chunk-store.ts'
import type { Drive } from '../drive/index.ts'
import { UsageError } from '../errors.ts'
import { PRIVATE_FILE_MODE } from '../home.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { indexOfMaps } from '../apps/public-data.ts'
import { isShareLink, shareKeys, shareLink } from './link.ts'
import { putShareState } from './sealed.ts'
import { isAccountId } from './offer.ts'
import type { ShareSummary } from './summary.ts'

const CHECK_EVERY_MS = 3_000
/** How long `share` waits for the drive's changes to reach the network before it publishes. */
const SYNC_WAIT_MS = 120_000

export interface ShareEntry {
  id: string
  /** The account whose drive it shares. */
  account: string
  path: string
  kind: 'file' | 'folder'
  created_at: number
  expires_at: number | null
  revoked_at: number | null
  /** The record version last put. */
  version: number
  /** The shared tree as last published (see fingerprint). */
  fingerprint: string
  published_at: number | null
  /** Why the last publish failed, if it did. */
  error?: string
  /** The account it was sent to, when it was sent to one rather than handed out as a link. */
  with?: string
  /** Links it had under the account's earlier keys: each forwards to the current one. */
  former_links?: string[]
}

export interface ShareHost {
  drive(): Drive | undefined
  /** The open account's id and drive-owner seed; undefined while none is open. */
  account(): { id: string; seed: Uint8Array } | undefined
  chunks: Pick<ChunkStore, 'get' | 'put'>
  records: Pick<NetworkRecordStore, 'get' | 'put'>
  /** Sends a share's link, sealed, to another account's inbox; how many vaults kept it. */
  send?(to: string, offer: { link: string; name: string }): Promise<number>
  log?(line: string): void
}

/** The name a share goes by: its file or folder's, "PeerDrive" for the whole drive. */
const shareName = (path: string): string =>
  path === '/' ? 'PeerDrive' : path.slice(path.lastIndexOf('/') + 1)

const child = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`)

export class Shares {
  private readonly file: string
  private readonly host: ShareHost
  private entries: ShareEntry[] = []
  private timer: NodeJS.Timeout | undefined
  /** One publish at a time: a check and a command never write the same record version. */
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(home: string, host: ShareHost) {
    this.file = join(home, 'shares.json')
    this.host = host
  }

  static async open(home: string, host: ShareHost): Promise<Shares> {
    const shares = new Shares(home, host)
    const text = await readFile(shares.file, 'utf8').catch(() => undefined)
    if (text) {
      try {
        const list = (JSON.parse(text) as { shares: ShareEntry[] }).shares
        if (Array.isArray(list)) shares.entries = list
      } catch {
        await rename(shares.file, `${shares.file}.damaged`).catch(() => {})
      }
    }
    return shares
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.check().catch(() => {}), CHECK_EVERY_MS)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.queue.catch(() => {})
  }

  /** The open account's shares, newest first. */
  list(now = Date.now()): ShareSummary[] {
    const account = this.host.account()
    if (!account) return []
    return this.entries
      .filter((e) => e.account === account.id)
      .sort((a, b) => b.created_at - a.created_at)
      .map((e) => this.summary(e, account.seed, now))
  }

  /** Shares a file or folder of the drive by a link, for `expiresInMs` or until revoked. */
  share(path: string, expiresInMs?: number, to?: string): Promise<ShareSummary> {
    return this.serial(async () => {
      const { drive, account } = this.ready()
      if (to !== undefined && !isAccountId(to))
        throw new UsageError(
          `an account id is 64 hex characters (peerdrive account shows yours), got "${to}"`,
        )
      if (to === account.id) throw new UsageError('that is this account: a share is sent to another one')
      const attr = await drive.getattr(path).catch(() => undefined)
      if (!attr || (attr.kind !== 'file' && attr.kind !== 'dir'))
        throw new UsageError(`${path} is not a file or folder of the drive`)
      if (expiresInMs !== undefined && (!Number.isSafeInteger(expiresInMs) || expiresInMs <= 0))
        throw new UsageError('a share expires after a positive whole number of milliseconds')
      // a share names content that is in the network: what is still uploading goes first
      await drive.syncAll(SYNC_WAIT_MS)
      const now = Date.now()
      const entry: ShareEntry = {
        id: randomBytes(8).toString('hex'),
        account: account.id,
        path,
        kind: attr.kind === 'file' ? 'file' : 'folder',
        created_at: now,
        expires_at: expiresInMs === undefined ? null : now + expiresInMs,
        revoked_at: null,
        version: 0,
        fingerprint: '',
        published_at: null,
        ...(to ? { with: to } : {}),
      }
      if (!(await this.publish(entry, drive, account.seed)))
        throw new UsageError(
          `${path} has changes that have not reached the network yet: share it once it is synced`,
        )
      this.entries.push(entry)
      await this.save()
      if (to) {
        const link = shareLink(shareKeys(account.seed, entry.id))
        const kept = await (this.host.send?.(to, { link, name: basename(path) }) ?? Promise.resolve(0)).catch(
          () => 0,
        )
        if (kept === 0) {
          // a share nobody can find is only a risk: it is taken back at once
          await this.revoke(entry, account.seed)
          throw new UsageError(`no vault took the share for account ${to}: nothing was sent; try again`)
        }
      }
      this.host.log?.(
        `shared ${path} by a link${entry.expires_at ? ` until ${new Date(entry.expires_at).toISOString()}` : ''}`,
      )
      return this.summary(entry, account.seed, now)
    })
  }

  /** Revokes the live shares that `target` names: a share id, a link, or a drive path (every live share of it). */
  unshare(target: string): Promise<ShareSummary[]> {
    return this.serial(async () => {
      const { account } = this.ready()
      const mine = this.entries.filter((e) => e.account === account.id && e.revoked_at === null)
      const hits = mine.filter((e) =>
        isShareLink(target)
          ? shareLink(shareKeys(account.seed, e.id)) === target.trim() ||
            (e.former_links ?? []).includes(target.trim())
          : e.id === target || e.path === target,
      )
      if (hits.length === 0) throw new UsageError(`no live share of this account is ${target}`)
      for (const e of hits) await this.revoke(e, account.seed)
      await this.save()
      return hits.map((e) => this.summary(e, account.seed))
    })
  }

  /**
   * After a password change rotated the account's keys: every live share
   * moves to keys derived from the new seed, and its record under the old
   * key forwards there, so every link handed out goes on following the
   * folder (and stops at a revocation made later). The new records are
   * published by the next check with the drive open.
   */
  carryOver(old: { id: string; seed: Uint8Array }, next: { id: string; seed: Uint8Array }): Promise<number> {
    return this.serial(async () => {
      let moved = 0
      for (const e of this.entries) {
        if (e.account !== old.id || e.revoked_at !== null) continue
        if (e.expires_at !== null && e.expires_at <= Date.now()) continue
        const oldLink = shareLink(shareKeys(old.seed, e.id))
        await putShareState(this.host.chunks, this.host.records, shareKeys(old.seed, e.id), e.version + 1, {
          index: null,
          kind: e.kind,
          name: shareName(e.path),
          expires_at: e.expires_at,
          next: shareLink(shareKeys(next.seed, e.id)),
        })
        e.former_links = [...(e.former_links ?? []), oldLink]
        e.account = next.id
        e.version = 0
        e.fingerprint = ''
        moved++
      }
      if (moved > 0) {
        await this.save()
        this.host.log?.(`${moved} share(s) moved to the account's new keys; their links still work`)
      }
      return moved
    })
  }

  /** Publishes live shares whose tree changed, and seals the expired ones shut. */
  check(now = Date.now()): Promise<void> {
    return this.serial(async () => {
      const account = this.host.account()
      const drive = this.host.drive()
      if (!account || !drive) return
      let changed = false
      for (const e of this.entries) {
        if (e.account !== account.id || e.revoked_at !== null) continue
        try {
          if (e.expires_at !== null && e.expires_at <= now) {
            await this.revoke(e, account.seed, now)
            this.host.log?.(`the share of ${e.path} expired`)
          } else {
            const print = await fingerprint(drive, e.path)
            if (print === e.fingerprint) continue
            // a change still uploading is published once it is in the network
            if (!(await this.publish(e, drive, account.seed, print))) continue
            this.host.log?.(`the share of ${e.path} now shows its latest version`)
          }
          delete e.error
        } catch (err) {
          const why = (err as Error).message
          if (e.error !== why) this.host.log?.(`the share of ${e.path} could not be updated: ${why}`)
          e.error = why
        }
        changed = true
      }
      if (changed) await this.save()
    })
  }

  /** Publishes the share's current index; false (nothing published) while part of it has not reached the network. */
  private async publish(e: ShareEntry, drive: Drive, seed: Uint8Array, print?: string): Promise<boolean> {
    print ??= await fingerprint(drive, e.path)
    const name = shareName(e.path)
    const index = await indexFromDrive(drive, e.path, name)
    if (!index) return false
    await putShareState(this.host.chunks, this.host.records, shareKeys(seed, e.id), e.version + 1, {
      index: index.bytes,
      kind: index.kind,
      name,
      expires_at: e.expires_at,
    })
    e.version++
    e.fingerprint = print
    e.published_at = Date.now()
    return true
  }

  private async revoke(e: ShareEntry, seed: Uint8Array, now = Date.now()): Promise<void> {
    const name = shareName(e.path)
    await putShareState(this.host.chunks, this.host.records, shareKeys(seed, e.id), e.version + 1, {
      index: null,
      kind: e.kind,
      name,
      expires_at: e.expires_at,
    })
    e.version++
    e.revoked_at = now
  }

  private ready(): { drive: Drive; account: { id: string; seed: Uint8Array } } {
    const account = this.host.account()
    const drive = this.host.drive()
    if (!account || !drive) throw new UsageError('log in first: shares are of an open drive')
    return { drive, account }
  }

  private summary(e: ShareEntry, seed: Uint8Array, now = Date.now()): ShareSummary {
    return {
      id: e.id,
      path: e.path,
      kind: e.kind,
      link: shareLink(shareKeys(seed, e.id)),
      state:
        e.revoked_at !== null ? 'revoked' : e.expires_at !== null && e.expires_at <= now ? 'expired' : 'live',
      created_at: e.created_at,
      expires_at: e.expires_at,
      revoked_at: e.revoked_at,
      published_at: e.published_at,
      error: e.error ?? null,
      with: e.with ?? null,
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => {})
    return run
  }

  private async save(): Promise<void> {
    await writeFile(`${this.file}.tmp`, JSON.stringify({ shares: this.entries }), { mode: PRIVATE_FILE_MODE })
    await rename(`${this.file}.tmp`, this.file)
  }
}

/**
 * The index of a shared file or folder, from the data maps of its files as
 * they last reached the network: nothing is read or uploaded again. Undefined
 * while a file has changes not in the network yet.
 */
async function indexFromDrive(
  drive: Drive,
  path: string,
  name: string,
): Promise<{ kind: 'file' | 'folder'; bytes: Uint8Array } | undefined> {
  const files: Parameters<typeof indexOfMaps>[2] = []
  const attr = await drive.getattr(path)
  if (attr.kind === 'file') {
    const content = drive.syncedContent(path)
    if (!content) return undefined
    return { kind: 'file', bytes: await indexOfMaps('file', name, [{ path: '', ...content }]) }
  }
  const walk = async (dir: string, rel: string): Promise<boolean> => {
    for (const entry of (await drive.readdir(dir)).sort()) {
      const full = child(dir, entry)
      const sub = rel ? `${rel}/${entry}` : entry
      const a = await drive.getattr(full)
      if (a.kind === 'dir') {
        if (!(await walk(full, sub))) return false
      } else if (a.kind === 'file') {
        const content = drive.syncedContent(full)
        if (!content) return false
        files.push({ path: sub, ...content })
      }
    }
    return true
  }
  if (!(await walk(path, ''))) return undefined
  return { kind: 'folder', bytes: await indexOfMaps('folder', name, files) }
}

/** The shared tree's names, kinds, sizes and modification times, hashed: what a change to it changes. */
async function fingerprint(drive: Drive, path: string): Promise<string> {
  const hash = createHash('sha256')
  const walk = async (p: string, rel: string): Promise<void> => {
    const a = await drive.getattr(p)
    hash.update(`${rel}\0${a.kind}\0${a.size}\0${a.mtimeMs}\0${a.ino}\n`)
    if (a.kind !== 'dir') return
    for (const name of (await drive.readdir(p)).sort()) await walk(child(p, name), `${rel}/${name}`)
  }
  await walk(path, '')
  return hash.digest('hex')
}
