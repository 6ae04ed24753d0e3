// /peerdrive/peers/1.0.0: a vault answers with the vault peers it knows, so a
// newcomer (or a client) reaches the whole of a small network in one round.
// Large networks find peers through kad-dht instead; this only speeds up the start.
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Host } from './host.ts'
import { MalformedMessageError } from './messages.ts'
import type { PeerTable } from './peer-table.ts'

export const PEERS_PROTOCOL = '/peerdrive/peers/1.0.0'
const MAX_PEERS = 256
const MAX_ADDRS = 8
const FRAME = { maxDataLength: 64 * 1024, maxBufferSize: 64 * 1024 + 16 }

export interface PeerRecord {
  id: PeerId
  addrs: Multiaddr[]
}

export async function servePeerList(host: Host, table: PeerTable): Promise<void> {
  await host.handle(PEERS_PROTOCOL, async (stream: Stream, _connection: Connection) => {
    try {
      const list = []
      for (const peer of table.list().slice(0, MAX_PEERS)) {
        const addrs = host
          .getConnections(peer.id)
          .map((c) => c.remoteAddr.toString())
          .slice(0, MAX_ADDRS)
        const known = await host.peerStore.get(peer.id).catch(() => undefined)
        for (const a of known?.addresses ?? []) {
          if (addrs.length < MAX_ADDRS && !addrs.includes(a.multiaddr.toString()))
            addrs.push(a.multiaddr.toString())
        }
        list.push({ id: peer.key, addrs })
      }
      await lpStream(stream, FRAME).write(Buffer.from(JSON.stringify(list)), {
        signal: AbortSignal.timeout(5000),
      })
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  })
}

export async function fetchPeerList(host: Host, peer: PeerId, timeoutMs = 5000): Promise<PeerRecord[]> {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await host.dialProtocol(peer, PEERS_PROTOCOL, { signal })
  try {
    const body = (await lpStream(stream, FRAME).read({ signal })).subarray()
    await stream.close({ signal })
    return parsePeerList(body)
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

export function parsePeerList(body: Uint8Array): PeerRecord[] {
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    throw new MalformedMessageError('peer list is not JSON')
  }
  if (!Array.isArray(raw) || raw.length > MAX_PEERS)
    throw new MalformedMessageError('peer list is not a list')
  return raw.map((entry: unknown) => {
    const e = entry as { id?: unknown; addrs?: unknown }
    if (typeof e?.id !== 'string' || !Array.isArray(e.addrs) || e.addrs.length > MAX_ADDRS) {
      throw new MalformedMessageError('bad peer entry')
    }
    try {
      return { id: peerIdFromString(e.id), addrs: e.addrs.map((a) => multiaddr(String(a))) }
    } catch {
      throw new MalformedMessageError('bad peer id or address')
    }
  })
}
