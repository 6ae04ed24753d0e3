// An app's raw calls to a node's loopback API, as any process could make them.
import type { DriveNode } from '../../../main/core/node/index.ts'

export const DEVELOPER = 'd0'.repeat(32)

export function manifest(name: string, permissions: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    version: '1.0.0',
    developer_wallet: DEVELOPER,
    usage_price: 0,
    permissions: { container: true, storage_bytes: 1 << 20, ...permissions },
  }
}

export interface Answer {
  status: number
  doc: { result?: Record<string, unknown>; error?: string; name?: string }
}

/** POSTs to /api/<command> with a bearer token (or none), as an app would. */
export async function raw(
  node: DriveNode,
  command: string,
  args: unknown,
  token?: string,
  body?: string,
): Promise<Answer> {
  const res = await fetch(`${node.api.url}/api/${command}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ?? JSON.stringify(args),
  })
  return { status: res.status, doc: (await res.json().catch(() => ({}))) as Answer['doc'] }
}

/** A request answered by the node: the app's id and token. */
export async function requestAccess(
  node: DriveNode,
  m: Record<string, unknown>,
): Promise<{ id: string; token: string }> {
  const a = await raw(node, 'app-request', { manifest: m })
  if (a.status !== 200) throw new Error(`request refused: ${a.status} ${a.doc.error}`)
  return { id: a.doc.result!.app_id as string, token: a.doc.result!.token as string }
}

export const b64 = (text: string): string => Buffer.from(text).toString('base64')
