// An app's raw calls to a node's loopback API, as any process could make them.
import { PeerDriveApp } from 'peerdrive/sdk'
import { callApi } from '../../../main/core/api/index.ts'
import type { DriveNode } from '../../../main/core/node/index.ts'
import { waitFor } from '../net/support.ts'

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

/**
 * An SDK app that asks `node` for access and is granted through the
 * dashboard's API, as a user's click would: the app, once its answer came,
 * and its id.
 */
export async function grantedApp(
  node: DriveNode,
  home: string,
  manifest: Parameters<typeof PeerDriveApp.requestAccess>[0]['manifest'],
): Promise<{ app: PeerDriveApp; id: string }> {
  const asking = PeerDriveApp.requestAccess({ manifest, home, pollMs: 100, timeoutMs: 120_000 })
  const endpoint = { port: node.api.port, token: node.api.token }
  let id: string | undefined
  await waitFor(
    async () =>
      (id = (await callApi(endpoint, 'apps-list', {})).apps.find((a) => a.state === 'pending')?.id) !==
      undefined,
    60_000,
    'the request to reach the node',
  )
  await callApi(endpoint, 'apps-grant', { id: id! })
  return { app: await asking, id: id! }
}
