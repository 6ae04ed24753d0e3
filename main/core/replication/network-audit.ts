// Walks the network and counts, per stored chunk, how many live vaults hold it.
import { toHex } from '../chunk-store.ts'
import { MAX_LIST_PAGE, decodeAddressList } from '../net/messages.ts'
import type { Ask } from '../net/network-store.ts'
import type { VaultPeer } from '../net/peer-table.ts'

export interface AuditReport {
  vaults: number
  chunks: number
  /** Fewest copies of any chunk (0 when there are no chunks). */
  min_copies: number
  /** Chunks with fewer than R copies. */
  under_replicated: number
  /** Vaults that did not answer (left out of the counts). */
  unreachable: number
}

export async function auditNetwork(vaults: VaultPeer[], ask: Ask, replicas: number): Promise<AuditReport> {
  const copies = new Map<string, number>()
  let unreachable = 0
  await Promise.all(
    vaults.map(async (vault) => {
      try {
        for (const address of await listAll(vault, ask)) {
          const hex = toHex(address)
          copies.set(hex, (copies.get(hex) ?? 0) + 1)
        }
      } catch {
        unreachable++
      }
    }),
  )
  const counts = [...copies.values()]
  return {
    vaults: vaults.length - unreachable,
    chunks: counts.length,
    min_copies: counts.length === 0 ? 0 : counts.reduce((m, n) => Math.min(m, n), Infinity),
    under_replicated: counts.filter((n) => n < replicas).length,
    unreachable,
  }
}

async function listAll(vault: VaultPeer, ask: Ask): Promise<Uint8Array[]> {
  const all: Uint8Array[] = []
  let after: Uint8Array | null = null
  for (;;) {
    const res = await ask(vault, { type: 'list', after, limit: MAX_LIST_PAGE })
    if (res.status !== 'ok') throw new Error(`list refused: ${res.reason}`)
    const page = decodeAddressList(res.bytes ?? new Uint8Array(0))
    all.push(...page)
    if (page.length < MAX_LIST_PAGE) return all
    after = page[page.length - 1]!
  }
}
