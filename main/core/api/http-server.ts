// The API over HTTP on 127.0.0.1, for the CLI, power users and the window
// when it runs in a browser: every request needs the per-run token, a request
// from a web page of another origin is refused, and so is one addressed to
// any host name but loopback's (a DNS-rebinding page reaches 127.0.0.1 under
// its own name).
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Handlers } from './contract.ts'
import { ApiError, dispatch, statusOf } from './dispatcher.ts'
import type { EventHub } from './event-hub.ts'
import { attachEventSocket } from './event-socket.ts'
import { serveStatic } from './static-files.ts'

const MAX_BODY = 64 * 1024
/**
 * How long close() lets a request already being answered finish before it
 * cuts the connections still open: a page polling on a keep-alive
 * connection would otherwise keep the server open for ever.
 */
const CLOSE_GRACE_MS = 2_000

export interface ApiServer {
  port: number
  token: string
  url: string
  close(): Promise<void>
}

export async function startApiServer(
  handlers: Handlers,
  opts: {
    port?: number
    token?: string
    /** Live events served over the WebSocket at /api/events. */
    events?: EventHub
    /** The built dashboard, served to GET requests outside /api (no token: it holds no secrets). */
    staticDir?: string
    /** Apps' calls (/api/app-*), each checked against its own app's token and grant, not the dashboard's. */
    apps?: { serve(req: IncomingMessage, res: ServerResponse): Promise<void> }
  } = {},
): Promise<ApiServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  let closing = false
  const server: Server = createServer((req, res) => {
    if (closing) {
      // a kept-alive connection's next request after close(): answered, and the connection let go
      res.setHeader('connection', 'close')
      return reply(res, 503, { error: 'the node is stopping' })
    }
    handle(req, res).catch((err: unknown) => reply(res, statusOf(err), { error: (err as Error).message }))
  })
  let port = 0
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin
    return origin === undefined || loopbackHosts(port).some((host) => origin === `http://${host}`)
  }
  const socket = opts.events
    ? attachEventSocket(server, opts.events, (req, given) =>
        !hostAllowed(req, port) || !originAllowed(req)
          ? 'origin'
          : tokenMatches(`Bearer ${given ?? ''}`, token)
            ? 'ok'
            : 'token',
      )
    : undefined
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, port)) {
      return reply(res, 421, {
        error: `host "${req.headers.host ?? ''}" not allowed: this API answers only as ${loopbackHosts(port).join(', ')}`,
      })
    }
    if (req.method === 'GET' && opts.staticDir && !(req.url ?? '').startsWith('/api/')) {
      if (await serveStatic(opts.staticDir, req.url ?? '/', port, res)) return
      return reply(res, 404, { error: 'not found' })
    }
    if (!originAllowed(req)) {
      return reply(res, 403, { error: 'origin not allowed' })
    }
    if (opts.apps && /^\/api\/app-[a-z-]+$/.test(req.url ?? '')) return opts.apps.serve(req, res)
    if (!tokenMatches(req.headers.authorization, token))
      return reply(res, 401, { error: 'missing or wrong token' })
    const match = /^\/api\/([a-z-]+)$/.exec(req.url ?? '')
    if (!match || req.method !== 'POST') return reply(res, 404, { error: 'not found' })
    let args: unknown
    try {
      args = JSON.parse((await body(req)) || '{}')
    } catch (err) {
      if (err instanceof ApiError) return reply(res, err.status, { error: err.message })
      return reply(res, 400, { error: 'body is not JSON' })
    }
    try {
      reply(res, 200, { result: await dispatch(handlers, match[1]!, args) })
    } catch (err) {
      reply(res, statusOf(err), { error: (err as Error).message })
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      closing = true
      socket?.close()
      return new Promise((resolve) => {
        server.close(() => resolve())
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS)
        server.once('close', () => clearTimeout(cut))
      })
    },
  }
}

/** The names a loopback client may use for this server in its Host header. */
function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
}

function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase()
  return host !== undefined && loopbackHosts(port).includes(host)
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '')
  const want = Buffer.from(token)
  return given.length === want.length && timingSafeEqual(given, want)
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0
    const parts: Buffer[] = []
    // An oversized body is drained, not kept, so the client still gets its 413.
    req.on('data', (d: Buffer) => {
      size += d.length
      if (size <= MAX_BODY) parts.push(d)
    })
    req.on('end', () => {
      if (size > MAX_BODY) reject(new ApiError(413, 'request too large'))
      else resolve(Buffer.concat(parts).toString('utf8'))
    })
    req.on('error', reject)
  })
}

function reply(res: ServerResponse, status: number, doc: unknown): void {
  if (res.headersSent) return
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(doc))
}
