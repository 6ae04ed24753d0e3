// The API's live events over a WebSocket at /api/events. Browsers cannot set
// headers on a WebSocket, so the token travels as the subprotocol
// "peerdrive.<token>"; the Origin is checked as for every other request.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { EventHub } from './event-hub.ts'

export const EVENTS_PATH = '/api/events'
export const TOKEN_PROTOCOL_PREFIX = 'peerdrive.'

export function attachEventSocket(
  server: Server,
  events: EventHub,
  allowed: (req: IncomingMessage, token: string | undefined) => 'ok' | 'origin' | 'token',
): { close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX)) ?? false,
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0]
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))
    const verdict = allowed(req, offered?.slice(TOKEN_PROTOCOL_PREFIX.length))
    if (path !== EVENTS_PATH || verdict !== 'ok') {
      const status =
        path !== EVENTS_PATH ? '404 Not Found' : verdict === 'origin' ? '403 Forbidden' : '401 Unauthorized'
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const off = events.on((event) => {
        // a client that stops reading is dropped rather than buffered without end
        if (ws.bufferedAmount > 4 * 2 ** 20) ws.terminate()
        else ws.send(JSON.stringify(event))
      })
      ws.on('close', off)
      ws.on('error', off)
      // the client only listens; anything it sends is ignored
    })
  })
  return {
    close() {
      for (const client of wss.clients) client.terminate()
      wss.close()
    },
  }
}
