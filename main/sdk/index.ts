// The PeerDrive SDK: what a third-party app uses to ask a running node for
// access and then work in its own folder of the user's drive, publish public
// data and keep small records. One module over the node's loopback API, no
// Electron and no dependency; failures are named error classes.
import { defaultHome } from '../core/paths.ts'

/** What the app asks for; the user sees it and grants or denies it. */
export interface Manifest {
  name: string
  version: string
  /** The developer's wallet id (64 hex digits). */
  developer_wallet: string
  /** Coins per period the user agrees to pay; 0 is free. */
  usage_price: number
  permissions: {
    container?: boolean
    read_folders?: boolean
    publish?: boolean
    /** The most bytes the app's folder may hold. */
    storage_bytes?: number
  }
}

export interface Grant {
  container: boolean
  read_folders: string[]
  publish: boolean
  storage_bytes: number
}

export interface Entry {
  name: string
  kind: 'file' | 'dir' | 'other'
  size: number
  modified_at: number
}

export interface PublicData {
  kind: 'file' | 'folder'
  name: string
  files: { path: string; bytes: Uint8Array }[]
}

export interface AccessOptions {
  manifest: Manifest
  /** The node's API, e.g. "http://127.0.0.1:4242"; or `port`; or found in `home`/api.json. */
  url?: string
  port?: number
  /** The node's home directory (PEERDRIVE_HOME, or the platform's default), whose api.json names its port. */
  home?: string
  /** A token from an earlier grant; `tokenFile` keeps one for the app across runs. */
  token?: string
  tokenFile?: string
  /** How often to ask whether the user has answered (default 1 s), and for how long (default 10 min). */
  pollMs?: number
  timeoutMs?: number
  /** Told once the request is waiting for the user, with the app's id. */
  onPending?: (appId: string) => void
}

export class PeerDriveError extends Error {
  readonly status: number
  constructor(message: string, status = 0) {
    super(message)
    this.name = new.target.name
    this.status = status
  }
}
/** No node answers at the address. */
export class NodeUnavailableError extends PeerDriveError {}
/** The user denied the request. */
export class AccessDeniedError extends PeerDriveError {}
/** The user revoked the app's access, or the token is unknown to the node. */
export class AccessRevokedError extends PeerDriveError {}
/** The user has not answered yet (or did not within the timeout). */
export class AccessPendingError extends PeerDriveError {}
/** The call needs a permission the user did not grant. */
export class NotGrantedError extends PeerDriveError {}
export class BadPathError extends PeerDriveError {}
export class NotFoundError extends PeerDriveError {}
export class OverBudgetError extends PeerDriveError {}
export class TooLargeError extends PeerDriveError {}
/** No account is open on the node (the user must log in). */
export class NoDriveError extends PeerDriveError {}

const ERRORS: Record<string, new (message: string, status: number) => PeerDriveError> = {
  AppDenied: AccessDeniedError,
  AppRevoked: AccessRevokedError,
  AppUnknownToken: AccessRevokedError,
  AppPending: AccessPendingError,
  AppNotGranted: NotGrantedError,
  AppBadPath: BadPathError,
  AppNotFound: NotFoundError,
  AppOverBudget: OverBudgetError,
  AppTooLarge: TooLargeError,
  AppNoDrive: NoDriveError,
}

type Json = Record<string, unknown>

export class PeerDriveApp {
  readonly url: string
  readonly token: string
  readonly appId: string
  readonly grant: Grant

  private constructor(url: string, token: string, appId: string, grant: Grant) {
    this.url = url
    this.token = token
    this.appId = appId
    this.grant = grant
  }

  /**
   * Asks the node for access (or reuses a granted token) and waits until the
   * user answers: resolves once granted, throws AccessDeniedError if denied.
   */
  static async requestAccess(opts: AccessOptions): Promise<PeerDriveApp> {
    const url = opts.url ?? `http://127.0.0.1:${opts.port ?? (await portFromHome(opts.home))}`
    let token = opts.token ?? (opts.tokenFile ? await readToken(opts.tokenFile) : undefined)
    let appId: string | undefined
    if (token) {
      const known = await call(url, 'status', {}, token).catch((err: unknown) => {
        if (err instanceof AccessRevokedError) return undefined
        throw err
      })
      // a revoked or forgotten token asks again, as a new request
      if (!known || known.state === 'revoked' || known.state === 'denied') token = undefined
      else appId = known.app_id as string
    }
    if (!token) {
      const asked = await call(url, 'request', { manifest: opts.manifest })
      token = asked.token as string
      appId = asked.app_id as string
      if (opts.tokenFile) await writeToken(opts.tokenFile, token)
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000)
    let told = false
    for (;;) {
      const s = await call(url, 'status', {}, token)
      if (s.state === 'granted') return new PeerDriveApp(url, token, appId!, s.grant as Grant)
      if (s.state === 'denied') throw new AccessDeniedError('the user denied access', 403)
      if (s.state === 'revoked') throw new AccessRevokedError("the user revoked this app's access", 401)
      if (!told) opts.onPending?.(appId!)
      told = true
      if (Date.now() > deadline)
        throw new AccessPendingError('the user has not answered the request yet', 403)
      await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 1_000))
    }
  }

  async readFile(path: string): Promise<Uint8Array> {
    return fromBase64((await this.call('read', { path })).data as string)
  }

  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readFile(path))
  }

  /** Writes the whole file (at most 4 MiB), making the folders above it. */
  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
    await this.call('write', { path, data: toBase64(bytes) })
  }

  /** The entries of a folder of the app's own ("" is its top). */
  async list(path = ''): Promise<Entry[]> {
    return (await this.call('list', { path })).entries as Entry[]
  }

  /** Removes a file, or a folder with everything in it. */
  async remove(path: string): Promise<void> {
    await this.call('remove', { path })
  }

  /** A file in a folder the user shared with the app (an absolute drive path, "/Photos/cat.jpg"). */
  async readShared(path: string): Promise<Uint8Array> {
    return fromBase64((await this.call('shared-read', { path })).data as string)
  }

  async listShared(path: string): Promise<Entry[]> {
    return (await this.call('shared-list', { path })).entries as Entry[]
  }

  /** Publishes a file or folder of the app's own; returns its pd1: address, readable by anyone who has it. */
  async publish(path: string): Promise<string> {
    return (await this.call('publish', { path })).address as string
  }

  /** Public data by its pd1: address, from any node. */
  async fetchPublic(address: string): Promise<PublicData> {
    const r = await this.call('fetch', { address })
    const files = r.files as { path: string; data: string }[]
    return {
      kind: r.kind as PublicData['kind'],
      name: r.name as string,
      files: files.map((f) => ({ path: f.path, bytes: fromBase64(f.data) })),
    }
  }

  /** A small record of this app's (text up to 16 KiB); null until first put. */
  async getRecord(name: string): Promise<{ value: string | null; version: number }> {
    const r = await this.call('record-get', { name })
    return { value: r.value as string | null, version: r.version as number }
  }

  async putRecord(name: string, value: string): Promise<{ version: number }> {
    return { version: (await this.call('record-put', { name, value })).version as number }
  }

  private call(command: string, args: Json): Promise<Json> {
    return call(this.url, command, args, this.token)
  }
}

async function call(url: string, command: string, args: Json, token?: string): Promise<Json> {
  let res: Response
  try {
    res = await fetch(`${url}/api/app-${command}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(120_000),
    })
  } catch (err) {
    throw new NodeUnavailableError(`no PeerDrive node answers at ${url}: ${(err as Error).message}`)
  }
  const doc = (await res.json().catch(() => ({}))) as { result?: Json; error?: string; name?: string }
  if (res.ok && doc.result) return doc.result
  const Kind = ERRORS[doc.name ?? ''] ?? PeerDriveError
  throw new Kind(doc.error ?? `the node answered ${res.status}`, res.status)
}

async function portFromHome(home?: string): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const dir = home ?? defaultHome()
  const text = await readFile(`${dir}/api.json`, 'utf8').catch(() => undefined)
  if (!text) throw new NodeUnavailableError(`no PeerDrive node is running (no ${dir}/api.json)`)
  return (JSON.parse(text) as { port: number }).port
}

async function readToken(file: string): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises')
  return (await readFile(file, 'utf8').catch(() => ''))?.trim() || undefined
}

async function writeToken(file: string, token: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises')
  await writeFile(file, `${token}\n`, { mode: 0o600 })
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'))
}
