// `peerdrive bench id-work`: what the work on a vault's id costs an honest
// vault once, and what a place chosen near an address costs an attacker.
// The baseline is the bare rate of making keys, measured in the same run.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { median } from '../testnet/stats.ts'
import { keyWithWork } from './id-work.ts'

export interface IdWorkBenchOptions {
  bits: number
  /** Identities made at `bits`, for their spread. */
  ids: number
  log?: (line: string) => void
}

export interface IdWorkFigures {
  bits: number
  keys_per_s: number
  identity_s_p50: number
  identity_s_max: number
  /** 2^bits keys at the measured rate. */
  identity_s_expected: number
  chosen_place_s_1000_vaults: number
  chosen_place_s_10000_vaults: number
  /** Keys one identity costs on average (2^bits), against one for an id with no work asked. */
  work_ratio: number
}

export async function benchIdWork(opts: IdWorkBenchOptions): Promise<IdWorkFigures> {
  const log = opts.log ?? (() => {})
  // baseline: keys (with their peer ids) made for two seconds
  let made = 0
  const start = performance.now()
  while (performance.now() - start < 2_000) {
    peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    made++
  }
  const keysPerSecond = made / ((performance.now() - start) / 1000)
  log(`${keysPerSecond.toFixed(0)} keys a second`)
  const seconds: number[] = []
  for (let i = 0; i < opts.ids; i++) {
    const t = performance.now()
    await keyWithWork(opts.bits)
    seconds.push((performance.now() - t) / 1000)
    log(`identity ${i + 1}/${opts.ids}: ${seconds.at(-1)!.toFixed(1)} s`)
  }
  const expected = 2 ** opts.bits / keysPerSecond
  // an id among an address's R = 4 nearest of N vaults: its place within 4/N of the key space as well
  const chosenPlace = (vaults: number) => (expected * vaults) / 4
  return {
    bits: opts.bits,
    keys_per_s: keysPerSecond,
    identity_s_p50: median(seconds),
    identity_s_max: Math.max(...seconds),
    identity_s_expected: expected,
    chosen_place_s_1000_vaults: chosenPlace(1_000),
    chosen_place_s_10000_vaults: chosenPlace(10_000),
    work_ratio: 2 ** opts.bits,
  }
}
