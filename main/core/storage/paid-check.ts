// A vault's check that a PUT was paid for, where storage is paid. A chunk it
// holds costs nothing again. A copy sent by a vault of the chunk's own close
// group (a repair, a hand-over, a member placing the group's copies) needs no
// ticket: that vault took the chunk when it was paid for. Anything else must
// carry a ticket signed by a quorum of the account's balance group, as this
// vault finds that group by lookup: 3 of the R + 1 nearest its balance address.
import { periodOf } from '../farming/receipt.ts'
import { closestFirst, kadKey } from '../placement/index.ts'
import { closestTo } from '../net/router.ts'
import type { RoutedPeers } from '../net/router.ts'
import type { VaultPeer } from '../net/vault-peer.ts'
import { NOT_PAID, TICKET_PERIODS, balanceAddress, ticketPays } from './ticket.ts'
import type { PaidCheck } from './ticket.ts'

export const NO_TICKET = `${NOT_PAID}: a PUT needs a ticket from the account's balance group (an account's vault earns its allowance)`

/** A balance group found by lookup is kept this long: the chunks of one batch arrive together. */
const GROUP_CACHE_MS = 60_000

export interface PaidCheckComponents {
  self: VaultPeer
  peers: RoutedPeers
  replicas: number
}

export function paidStorageCheck(c: PaidCheckComponents): PaidCheck {
  const groups = new Map<string, { members: Set<string>; at: number }>()
  const members = async (account: string): Promise<Set<string>> => {
    const now = Date.now()
    const kept = groups.get(account)
    if (kept && now - kept.at < GROUP_CACHE_MS) return kept.members
    for (const [key, g] of groups) if (now - g.at >= GROUP_CACHE_MS) groups.delete(key)
    // signers among the R + 1 nearest the balance address: a quorum of 3 is then a majority of
    // them (ids ground near the address must outnumber the honest members, not just be among the
    // 2R), with room for one member that views differ on or that came or went
    const found = await closestTo(c.peers, balanceAddress(account), c.replicas + 1)
    const set = new Set(found.map((p) => p.key))
    groups.set(account, { members: set, at: now })
    return set
  }
  return async (address, size, ticket, sender) => {
    if (!ticket) return sentByGroup(c, address, sender) ? undefined : NO_TICKET
    const group = await members(ticket.account)
    const why = ticketPays(ticket, { address, size }, periodOf(Date.now()), TICKET_PERIODS, (p) =>
      group.has(p),
    )
    return why ? `${NOT_PAID}: ${why}` : undefined
  }
}

/** Whether the sender is a vault of the chunk's close group (within 2R, this vault's view). */
function sentByGroup(c: PaidCheckComponents, address: Uint8Array, sender: string): boolean {
  return closestFirst(kadKey(address), c.peers.withSelf())
    .slice(0, 2 * c.replicas + 1)
    .some((p: VaultPeer) => p.key === sender && p.key !== c.self.key)
}
