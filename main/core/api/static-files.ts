// Serves the built dashboard (renderer/dist) to a browser on loopback, under a strict CSP.
// The files hold no secrets: the token reaches the page in the URL's #fragment, never sent here.
import { readFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { ApiError } from './dispatcher.ts'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Svelte and Chart.js set inline style attributes; no inline script is allowed
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Answers a GET for a file of `root`; false when there is no such file (the caller answers 404). */
export async function serveStatic(
  root: string,
  urlPath: string,
  port: number,
  res: ServerResponse,
): Promise<boolean> {
  let clean: string
  try {
    clean = decodeURIComponent(urlPath.split('?')[0] ?? '/')
  } catch {
    throw new ApiError(400, 'bad %-escape in the path')
  }
  const rel = clean === '/' ? 'index.html' : normalize(clean).replace(/^[/\\]+/, '')
  const file = join(root, rel)
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return false
  const body = await readFile(file).catch(() => undefined)
  if (!body) return false
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': contentSecurityPolicy(port),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  })
  res.end(body)
  return true
}
