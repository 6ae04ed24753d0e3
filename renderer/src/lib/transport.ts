// How the dashboard reaches the node: through the preload's bridge inside
// Electron, or over loopback HTTP + WebSocket with the token from the URL's
// #fragment in a browser. Both speak the one API contract.
import type { ApiEvent } from '../../../main/core/api/contract.ts'

export class CommandError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

export interface Transport {
  call(command: string, args: unknown): Promise<unknown>
  subscribe(onEvent: (e: ApiEvent) => void, onConnection: (up: boolean) => void): () => void
  /** Opens the system file manager at a path; absent in a browser. */
  showInFolder?: (path: string) => Promise<void>
}

/** What the Electron preload exposes on window.peerdrive. */
export interface Bridge {
  call(command: string, args: unknown): Promise<{ result?: unknown; error?: string; status?: number }>
  onEvent(listener: (e: ApiEvent) => void): () => void
  showInFolder(path: string): Promise<void>
}

export function tokenFromLocation(hash: string): string | undefined {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? undefined
}

export function bridgeTransport(bridge: Bridge): Transport {
  return {
    async call(command, args) {
      const r = await bridge.call(command, args)
      if (r.error !== undefined) throw new CommandError(r.status ?? 500, r.error)
      return r.result
    },
    subscribe(onEvent, onConnection) {
      onConnection(true)
      return bridge.onEvent(onEvent)
    },
    showInFolder: (path) => bridge.showInFolder(path),
  }
}

export function httpTransport(base: string, token: string): Transport {
  return {
    async call(command, args) {
      let res: Response
      try {
        res = await fetch(`${base}/api/${command}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(args ?? {}),
        })
      } catch {
        throw new CommandError(0, 'the node does not answer')
      }
      const doc = (await res.json().catch(() => ({}))) as { result?: unknown; error?: string }
      if (!res.ok) throw new CommandError(res.status, doc.error ?? `${command} failed (${res.status})`)
      return doc.result
    },
    subscribe(onEvent, onConnection) {
      let closed = false
      let ws: WebSocket | undefined
      let retry: ReturnType<typeof setTimeout> | undefined
      let delay = 500
      const open = (): void => {
        ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/events`, [`peerdrive.${token}`])
        ws.onopen = () => {
          delay = 500
          onConnection(true)
        }
        ws.onmessage = (m) => onEvent(JSON.parse(String(m.data)) as ApiEvent)
        ws.onclose = () => {
          onConnection(false)
          // reconnect with back-off: the node may be restarting
          if (!closed) retry = setTimeout(open, (delay = Math.min(delay * 2, 10_000)))
        }
      }
      open()
      return () => {
        closed = true
        clearTimeout(retry)
        ws?.close()
      }
    },
  }
}
