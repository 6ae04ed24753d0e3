// The app side of the loopback API: POST /api/app-<command> with the app's
// own token. Every call is matched to its app, checked against what the user
// granted, and written to the app's log, allowed or refused. The dashboard's
// token opens nothing here, and an app's token opens nothing of the
// dashboard's commands (http-server.ts checks that one).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ChunkStore } from '../chunk-store.ts'
import type { Drive } from '../drive/index.ts'
import type { AppLog, AppLogEntry } from './app-log.ts'
import {
  AppRefusedError,
  badRequest,
  denied,
  noDrive,
  notGranted,
  overBudget,
  pending,
  revoked,
  tooLarge,
} from './errors.ts'
import {
  MAX_APP_FILE,
  asRefusal,
  bytesUnder,
  gatherContent,
  listDir,
  makeFolders,
  readWhole,
  removeTree,
  writeWhole,
} from './files.ts'
import type { AppEntry, GrantStore } from './grants.ts'
import { parseManifest } from './manifest.ts'
import { containerOf, inContainer, inFolders, refuseSymlinks } from './paths.ts'
import { fetchPublic, publish } from './public-data.ts'
import type { PublicContent, ReadingFor } from './public-data.ts'
import type { AppRecords } from './records.ts'

/** A body carries at most one file of MAX_APP_FILE bytes as base64, and its JSON around it. */
export const MAX_APP_BODY = Math.ceil((MAX_APP_FILE * 4) / 3) + 64 * 1024
/** The most a public fetch through an app call returns. */
const MAX_FETCH_BYTES = 16 * 2 ** 20

/** What the gate needs of the node. */
export interface AppHost {
  drive(): Drive | undefined
  chunks: Pick<ChunkStore, 'get' | 'put'>
  records(): AppRecords | undefined
  /** Told of a new request, so the user hears of it. */
  onRequest?(entry: AppEntry): void
  /** Runs an app's call so that the network reads it makes name its developer wallet (a share of what they mint). */
  readingFor?<T>(developerWallet: string, work: () => Promise<T>, onShare: () => void): Promise<T>
}

type Args = Record<string, unknown>
interface Call {
  app: AppEntry
  args: Args
  log: Pick<AppLogEntry, 'target'>
}

export class AppGate {
  private readonly store: GrantStore
  private readonly log: AppLog
  private readonly host: AppHost

  constructor(store: GrantStore, log: AppLog, host: AppHost) {
    this.store = store
    this.log = log
    this.host = host
  }

  /** Whether a request's URL is one of the app routes. */
  static routes(url: string | undefined): boolean {
    return /^\/api\/app-[a-z-]+$/.test(url ?? '')
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const command = (req.url ?? '').slice('/api/app-'.length)
    if (req.method !== 'POST') return reply(res, 405, { error: 'app commands are POST' })
    let app: AppEntry | undefined
    try {
      const declared = Number(req.headers['content-length'] ?? 0)
      if (declared > MAX_APP_BODY) {
        // refused before it is read: the rest of the upload is not waited for
        res.setHeader('connection', 'close')
        throw tooLarge(MAX_APP_BODY)
      }
      const args = parseArgs(await readBody(req))
      if (command === 'request') return reply(res, 200, { result: await this.request(args) })
      app = this.store.byToken(bearer(req.headers.authorization))
      const call: Call = { app, args, log: {} }
      try {
        const work = () => this.run(command, call)
        const result = await (this.host.readingFor
          ? this.readingFor(call)(app.manifest.developer_wallet, work)
          : work())
        this.record(app, command, call, 'ok')
        return reply(res, 200, { result })
      } catch (err) {
        const refused = err instanceof AppRefusedError
        this.record(app, command, call, refused ? 'refused' : 'failed', (err as Error).message)
        throw err
      }
    } catch (err) {
      const refused = err instanceof AppRefusedError
      reply(res, refused ? err.status : 500, { error: (err as Error).message, name: (err as Error).name })
    }
  }

  private record(
    app: AppEntry,
    command: string,
    call: Call,
    outcome: AppLogEntry['outcome'],
    detail?: string,
  ): void {
    app.usage.calls++
    if (outcome !== 'ok') app.usage.refused++
    app.usage.last_call_at = Date.now()
    this.store.touch()
    this.log.add(app.id, { at: Date.now(), command, ...call.log, outcome, ...(detail ? { detail } : {}) })
  }

  /** Runs reads with a developer named on their receipts; shares of this app's own developer count in its usage. */
  private readingFor(call: Call): ReadingFor {
    return (wallet, work) =>
      this.host.readingFor!(wallet, work, () => {
        if (wallet !== call.app.manifest.developer_wallet) return
        call.app.usage.developer_coins = (call.app.usage.developer_coins ?? 0) + 1
        this.store.touch()
      })
  }

  private async request(args: Args): Promise<{ app_id: string; token: string; state: 'pending' }> {
    let manifest
    try {
      manifest = parseManifest(args.manifest)
    } catch (err) {
      throw badRequest((err as Error).message)
    }
    const { entry, token } = await this.store.request(manifest)
    this.log.add(entry.id, { at: Date.now(), command: 'request', outcome: 'ok' })
    this.host.onRequest?.(entry)
    return { app_id: entry.id, token, state: 'pending' }
  }

  private async run(command: string, call: Call): Promise<unknown> {
    const { app } = call
    if (command === 'status') return this.status(app)
    if (app.state === 'revoked') throw revoked()
    if (app.state === 'denied') throw denied()
    if (app.state === 'pending' || !app.grant) throw pending()
    switch (command) {
      case 'read':
        return this.inContainer(call, async (drive, path) => {
          const bytes = await readWhole(drive, path)
          app.usage.bytes_read += bytes.length
          return { data: bytes.toString('base64'), size: bytes.length }
        })
      case 'write':
        return this.write(call)
      case 'list':
        return this.inContainer(call, async (drive, path) => ({ entries: await listDir(drive, path) }), true)
      case 'remove':
        return this.inContainer(call, async (drive, path, root) => {
          if (path === root) throw badRequest('the container itself cannot be removed')
          await removeTree(drive, path)
          return {}
        })
      case 'shared-read':
        return this.inShared(call, async (drive, path) => {
          const bytes = await readWhole(drive, path)
          app.usage.bytes_read += bytes.length
          return { data: bytes.toString('base64'), size: bytes.length }
        })
      case 'shared-list':
        return this.inShared(call, async (drive, path) => ({ entries: await listDir(drive, path) }))
      case 'publish':
        return this.publish(call)
      case 'fetch': {
        call.log.target = String(call.args.address).slice(0, 80)
        const content = await asRefusal(String(call.args.address), () =>
          fetchPublic(this.host.chunks, call.args.address as string, {
            maxBytes: MAX_FETCH_BYTES,
            // the publishing app's developer takes the share of these reads; this app's counter hears of its own only
            ...(this.host.readingFor ? { readingFor: this.readingFor(call) } : {}),
          }),
        ).catch(asBadRequest)
        return contentJson(content)
      }
      case 'record-get':
      case 'record-put':
        return this.recordCall(command, call)
      default:
        throw new AppRefusedError('AppUnknownCommand', 404, `unknown app command "app-${command}"`)
    }
  }

  private status(app: AppEntry): unknown {
    return {
      app_id: app.id,
      state: app.state,
      grant: app.grant,
      container: app.state === 'granted' && app.grant?.container ? containerOf(app) : null,
    }
  }

  private drive(): Drive {
    const drive = this.host.drive()
    if (!drive) throw noDrive()
    return drive
  }

  private async inContainer<T>(
    call: Call,
    work: (drive: Drive, path: string, root: string) => Promise<T>,
    makeRoot = false,
  ): Promise<T> {
    if (!call.app.grant?.container) throw notGranted('its own folder in the drive')
    const root = containerOf(call.app)
    call.log.target = typeof call.args.path === 'string' ? call.args.path.slice(0, 200) : undefined
    const path = inContainer(root, call.args.path ?? '')
    const drive = this.drive()
    if (makeRoot) await makeFolders(drive, root, root)
    await refuseSymlinks(drive, root, path)
    return asRefusal(path.slice(root.length + 1) || '/', () => work(drive, path, root))
  }

  private async inShared<T>(call: Call, work: (drive: Drive, path: string) => Promise<T>): Promise<T> {
    const folders = call.app.grant?.read_folders ?? []
    if (folders.length === 0) throw notGranted('reading folders of the drive')
    call.log.target = typeof call.args.path === 'string' ? call.args.path.slice(0, 200) : undefined
    const path = inFolders(folders, call.args.path)
    const drive = this.drive()
    await refuseSymlinks(drive, '', path)
    return asRefusal(path, () => work(drive, path))
  }

  private async write(call: Call): Promise<{ size: number }> {
    const data = call.args.data
    if (typeof data !== 'string') throw badRequest('data: the file as base64')
    const bytes = Buffer.from(data, 'base64')
    if (bytes.length > MAX_APP_FILE) throw tooLarge(MAX_APP_FILE)
    const grant = call.app.grant!
    return this.inContainer(call, async (drive, path, root) => {
      if (path === root) throw badRequest('a file needs a name')
      const now = await bytesUnder(drive, root)
      const replaced = await bytesUnder(drive, path)
      if (now - replaced + bytes.length > grant.storage_bytes) throw overBudget(grant.storage_bytes)
      await writeWhole(drive, root, path, bytes)
      call.app.usage.bytes_written += bytes.length
      return { size: bytes.length }
    })
  }

  private async publish(call: Call): Promise<{ address: string }> {
    if (!call.app.grant?.publish) throw notGranted('publishing public data')
    return this.inContainer(call, async (drive, path, root) => {
      const content = await gatherContent(
        drive,
        path,
        path === root ? call.app.manifest.name : path.slice(path.lastIndexOf('/') + 1),
      )
      const address = await publish(this.host.chunks, content, {
        developer: call.app.manifest.developer_wallet,
      })
      call.app.usage.published++
      return { address }
    })
  }

  private async recordCall(command: 'record-get' | 'record-put', call: Call): Promise<unknown> {
    if (!call.app.grant?.container) throw notGranted('keeping records')
    const records = this.host.records()
    if (!records) throw noDrive()
    const name = call.args.name
    call.log.target = typeof name === 'string' ? name.slice(0, 80) : undefined
    if (command === 'record-get') return records.get(call.app.id, name)
    return records.put(call.app.id, name, call.args.value)
  }
}

/** Public content as the API answers it: each file's bytes as base64. */
export function contentJson(content: PublicContent): unknown {
  return {
    kind: content.kind,
    name: content.name,
    files: content.files.map((f) => ({
      path: f.path,
      size: f.bytes.length,
      data: Buffer.from(f.bytes).toString('base64'),
    })),
  }
}

function asBadRequest(err: unknown): never {
  if (err instanceof AppRefusedError) throw err
  const name = (err as Error).name
  if (name === 'PublicAddressError' || name === 'UsageError' || name === 'DataMapInvalid')
    throw badRequest((err as Error).message)
  if (name === 'ChunkMissing') throw new AppRefusedError('AppNotFound', 404, (err as Error).message)
  throw err
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer (\S{1,200})$/.exec(header ?? '')?.[1]
}

function parseArgs(text: string): Args {
  let args: unknown
  try {
    args = JSON.parse(text || '{}')
  } catch {
    throw badRequest('body is not JSON')
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    throw badRequest('body is not a JSON object')
  return args as Args
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0
    const parts: Buffer[] = []
    req.on('data', (d: Buffer) => {
      size += d.length
      if (size <= MAX_APP_BODY) parts.push(d)
    })
    req.on('end', () =>
      size > MAX_APP_BODY ? reject(tooLarge(MAX_APP_BODY)) : resolve(Buffer.concat(parts).toString('utf8')),
    )
    req.on('error', reject)
  })
}

function reply(res: ServerResponse, status: number, doc: unknown): void {
  if (res.headersSent) return
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(doc))
}
