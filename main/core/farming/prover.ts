// Storage proofs: every interval this vault picks a few chunks it holds and
// challenges the other members of each chunk's close group to show they hold
// it too, with H(chunk ‖ nonce) for a fresh nonce — an answer nobody can give
// without the bytes. The verdicts feed the trust table.
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

export class Prover {
  readonly #c: ProverComponents
  readonly #perRound: number
  readonly #timeoutMs: number
  rounds = 0

  constructor(components: ProverComponents, opts: { chunksPerRound?: number; timeoutMs?: number } = {}) {
    this.#c = components
    this.#perRound = opts.chunksPerRound ?? 4
    this.#timeoutMs = opts.timeoutMs ?? 5_000
  }

  /** One round: a few random held chunks, each group member challenged once. */
  async round(): Promise<void> {
    const held = this.#c.vault.addresses()
    const picks = new Set<Uint8Array>()
    for (let i = 0; i < Math.min(this.#perRound, held.length); i++)
      picks.add(held[Math.floor(Math.random() * held.length)]!)
    await Promise.all([...picks].map((address) => this.#challengeGroup(address)))
    this.rounds++
  }

  async #challengeGroup(address: Uint8Array): Promise<void> {
    const hex = toHex(address)
    const chunk = await this.#c.vault.get(address).catch(() => undefined)
    if (!chunk) return
    const self = this.#c.self().key
    const others = this.#c.group(hex).filter((p) => p.key !== self && this.#c.trust.isTrusted(p.key))
    await Promise.all(
      others.map(async (peer) => this.#c.trust.record(peer.key, await this.challenge(peer, hex, chunk))),
    )
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
    // a full vault that declined the chunk is passed over by placement: not a failure
    if (res.s === 'refused') return 'neutral'
    return res.s === 'ok' && res.digest === proofDigest(chunk, nonce) ? 'pass' : 'wrong'
  }
}
