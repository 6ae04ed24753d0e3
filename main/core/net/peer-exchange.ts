// /peerdrive/peers/2.0.0: a vault answers with the vault peers it knows, so a
// newcomer (or a client) reaches the whole of a small network in one round.
// Large networks find peers through kad-dht instead; this only speeds up the start.
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { Host } from './host.ts'
import { MAX_ADDRS, MAX_PEERS, MAX_PEER_LIST_BYTES, encodePeerList, parsePeerList } from './peer-messages.ts'
import type { PeerRecord } from './peer-messages.ts'
import type { PeerTable } from './peer-table.ts'
import { closeStream } from './stream-close.ts'

export { parsePeerList } from './peer-messages.ts'
export type { PeerRecord } from './peer-messages.ts'

export const PEERS_PROTOCOL = '/peerdrive/peers/2.0.0'
const FRAME = { maxDataLength: MAX_PEER_LIST_BYTES, maxBufferSize: MAX_PEER_LIST_BYTES + 16 }

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
      await lpStream(stream, FRAME).write(encodePeerList(list), {
        signal: AbortSignal.timeout(5000),
      })
      await closeStream(stream)
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
    await closeStream(stream, { signal })
    return parsePeerList(body)
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
