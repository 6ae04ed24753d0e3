// A vault as the network knows it: its peer id and its place in the key space.
import type { PeerId } from '@libp2p/interface'
import { kadKey } from '../placement/index.ts'
import type { Placed } from '../placement/index.ts'

export interface VaultPeer extends Placed {
  readonly id: PeerId
  readonly key: string
}

export function vaultPeer(id: PeerId): VaultPeer {
  return { id, key: id.toString(), kadId: kadKey(id.toMultihash().bytes) }
}
