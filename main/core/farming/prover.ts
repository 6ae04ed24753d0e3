// Storage proofs: every interval this vault challenges each of its close-group
// neighbours — every vault that shares the close group of a chunk it holds —
// to show it holds one such chunk, picked at random, with H(chunk ‖ nonce)
// for a fresh nonce: an answer nobody can give without the bytes. So every
// neighbour is asked every round for something placement says it should
// hold, and one holding nothing it should is found in a round or two, not
// whenever a random pick happens to land on it. The verdicts feed the trust table.
import { createHash, randomBytes } from 'node:crypto'
import { toHex } from '../chunk-store.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import type { FarmRequest, FarmResponse } from './messages.ts'
import type { TrustTable, Verdict } from './trust.ts'

export interface ProverComponents {
  self: () => VaultPeer
  vault: { addresses(): Uint8Array[]; get(address: Uint8Array): Promise<Uint8Array> }
  group: (addressHex: string) => VaultPeer[]
  ask: (peer: VaultPeer, req: FarmRequest, timeoutMs: number) => Promise<FarmResponse>
  trust: TrustTable
}

export function proofDigest(chunk: Uint8Array, nonceHex: string): string {
  return createHash('sha256').update(chunk).update(Buffer.from(nonceHex, 'hex')).digest('hex')
}

/** The refusal an honest vault gives for a chunk it declined because it had no room. */
export const VAULT_FULL = 'vault full'

export class Prover {
  readonly #c: ProverComponents
  readonly #sample: number
  readonly #timeoutMs: number
  rounds = 0

  /** `chunksPerRound`: held chunks sampled each round to find every neighbour one it should hold. */
  constructor(components: ProverComponents, opts: { chunksPerRound?: number; timeoutMs?: number } = {}) {
    this.#c = components
    this.#sample = opts.chunksPerRound ?? 64
    this.#timeoutMs = opts.timeoutMs ?? 5_000
  }

  /** One round: every trusted neighbour challenged once, for a chunk its place says it holds. */
  async round(): Promise<void> {
    const held = this.#c.vault.addresses()
    const self = this.#c.self().key
    // every held chunk when there are few, a random sample of them otherwise
    const picks = new Set<string>()
    if (held.length <= this.#sample) for (const a of held) picks.add(toHex(a))
    else while (picks.size < this.#sample) picks.add(toHex(held[Math.floor(Math.random() * held.length)]!))
    // each neighbour's chunk chosen at random among the sampled ones placed on it
    const owed = new Map<string, { peer: VaultPeer; chunks: string[] }>()
    for (const hex of picks)
      for (const peer of this.#c.group(hex)) {
        if (peer.key === self || !this.#c.trust.isTrusted(peer.key)) continue
        const entry = owed.get(peer.key) ?? { peer, chunks: [] }
        entry.chunks.push(hex)
        owed.set(peer.key, entry)
      }
    await Promise.all(
      [...owed.values()].map(async ({ peer, chunks }) => {
        const hex = chunks[Math.floor(Math.random() * chunks.length)]!
        const chunk = await this.#c.vault.get(Buffer.from(hex, 'hex')).catch(() => undefined)
        if (!chunk) return
        this.#c.trust.record(peer.key, await this.challenge(peer, hex, chunk))
      }),
    )
    this.rounds++
  }

  async challenge(peer: VaultPeer, chunkHex: string, chunk: Uint8Array): Promise<Verdict> {
    const nonce = randomBytes(32).toString('hex')
    let res: FarmResponse
    try {
      res = await this.#c.ask(peer, { t: 'prove', chunk: chunkHex, nonce }, this.#timeoutMs)
    } catch {
      return 'timeout'
    }
    if (res.s === 'missing') return 'missing'
    // a full vault that declined the chunk is passed over by placement: honest, up to a point (trust.ts)
    if (res.s === 'refused') return res.reason === VAULT_FULL ? 'full' : 'refused'
    return res.s === 'ok' && res.digest === proofDigest(chunk, nonce) ? 'pass' : 'wrong'
  }
}
