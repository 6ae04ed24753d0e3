// What a vault keeps for a key's close group (an inbox's deliveries) must
// reach whoever joins that group: a vault that joins, or the next closest
// once a member is gone. The data stays put on the members that had it; a
// holder only has to tell the newcomers. This remembers, per key, which
// members were told already, so each is told once and a group that has not
// changed costs nothing.
import type { VaultPeer } from './vault-peer.ts'

/** Keys remembered: past this, the memory starts over (and members are told again, which is harmless). */
const MAX_KEYS = 8192

export class HandOverMemory {
  readonly #told = new Map<string, Set<string>>()

  /** The members of `group` (this vault left out) not yet told about `key`. */
  newcomers(key: string, group: VaultPeer[], self: string): VaultPeer[] {
    const told = this.#told.get(key)
    return group.filter((p) => p.key !== self && !told?.has(p.key))
  }

  told(key: string, peer: string): void {
    if (!this.#told.has(key) && this.#told.size >= MAX_KEYS) this.#told.clear()
    const told = this.#told.get(key) ?? new Set<string>()
    told.add(peer)
    this.#told.set(key, told)
  }
}
