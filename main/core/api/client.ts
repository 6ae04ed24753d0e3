// Calls a running node's API over loopback HTTP. The node writes its port and
// token to <home>/api.json (readable only by this user) when it starts.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PeerDriveError } from '../errors.ts'
import type { ApiCommands, CommandName } from './contract.ts'

export interface ApiEndpoint {
  port: number
  token: string
}

export class NodeNotRunningError extends PeerDriveError {
  constructor(where: string) {
    super('NodeNotRunning', `no PeerDrive node is running (${where}); start one with peerdrive up`)
  }
}

export function endpointFile(home: string): string {
  return join(home, 'api.json')
}

export async function findEndpoint(home: string, port?: number): Promise<ApiEndpoint> {
  const text = await readFile(endpointFile(home), 'utf8').catch(() => undefined)
  if (!text) throw new NodeNotRunningError(`no ${endpointFile(home)}`)
  const doc = JSON.parse(text) as ApiEndpoint
  return { port: port ?? doc.port, token: doc.token }
}

export async function callApi<K extends CommandName>(
  endpoint: ApiEndpoint,
  command: K,
  args: ApiCommands[K]['args'],
  opts: { timeoutMs?: number } = {},
): Promise<ApiCommands[K]['result']> {
  let res: Response
  try {
    res = await fetch(`http://127.0.0.1:${endpoint.port}/api/${command}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    })
  } catch {
    throw new NodeNotRunningError(`nothing answers on 127.0.0.1:${endpoint.port}`)
  }
  const doc = (await res.json().catch(() => ({}))) as { result?: unknown; error?: string }
  // a refusal of the request (4xx) speaks for itself; a failure of the node says where it happened
  if (res.status >= 400 && res.status < 500)
    throw new PeerDriveError('ApiError', doc.error ?? `the node refused ${command} (${res.status})`)
  if (!res.ok) throw new PeerDriveError('ApiError', `the node failed ${command}: ${doc.error ?? res.status}`)
  return doc.result as ApiCommands[K]['result']
}
