// The peer-list message of /peerdrive/peers/2.0.0 (pb/peers.proto): peer ids
// as multihash bytes and addresses as binary multiaddrs, decoded with limits
// (256 peers × 8 addresses in a 64 KiB frame), so a hostile list fails with
// MalformedMessage and never makes the node allocate or crash.
import type { PeerId } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { MalformedMessageError, decodeWith } from './messages.ts'
import { PeerList } from './pb/peers.js'

export const MAX_PEERS = 256
export const MAX_ADDRS = 8
export const MAX_PEER_LIST_BYTES = 64 * 1024
const MAX_ID_BYTES = 64
const MAX_ADDR_BYTES = 256

export interface PeerRecord {
  id: PeerId
  addrs: Multiaddr[]
}

/** Encodes peers given as peer-id text and multiaddr text (what the serving side has at hand). */
export function encodePeerList(peers: { id: string; addrs: string[] }[]): Uint8Array {
  return PeerList.encode({
    peers: peers.slice(0, MAX_PEERS).map((p) => ({
      id: peerIdFromString(p.id).toMultihash().bytes,
      addrs: p.addrs.slice(0, MAX_ADDRS).map((a) => multiaddr(a).bytes),
    })),
  })
}

export function parsePeerList(body: Uint8Array): PeerRecord[] {
  if (body.length > MAX_PEER_LIST_BYTES) throw new MalformedMessageError('peer list too long')
  const list = decodeWith(() =>
    PeerList.decode(body, { limits: { peers: MAX_PEERS, peers$: { addrs: MAX_ADDRS } } }),
  )
  return list.peers.map((p) => {
    if (p.id.length === 0 || p.id.length > MAX_ID_BYTES || p.addrs.some((a) => a.length > MAX_ADDR_BYTES))
      throw new MalformedMessageError('bad peer entry')
    try {
      return { id: peerIdFromBytes(p.id), addrs: p.addrs.map((a) => multiaddr(a)) }
    } catch {
      throw new MalformedMessageError('bad peer id or address')
    }
  })
}

/** A peer id from its multihash bytes: varint code, varint length, digest. */
export function peerIdFromBytes(bytes: Uint8Array): PeerId {
  let at = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; shift < 28; shift += 7) {
      const b = bytes[at++]
      if (b === undefined) throw new Error('truncated multihash')
      value |= (b & 0x7f) << shift
      if (b < 0x80) return value
    }
    throw new Error('multihash varint too long')
  }
  const code = varint()
  const size = varint()
  if (bytes.length - at !== size) throw new Error('multihash length disagrees')
  return peerIdFromMultihash({
    code,
    size,
    digest: Uint8Array.from(bytes.subarray(at)),
    bytes: Uint8Array.from(bytes),
  })
}
