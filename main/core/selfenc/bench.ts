// `peerdrive bench selfenc`: throughput of the whole self-encryption pipeline
// in memory, against a baseline measured in the same run on the same bytes:
// the raw primitives on one thread with no chunking logic. The ratio says
// what the pipeline (parallelism minus orchestration) is worth on this machine.
import { createCipheriv, createHash, randomBytes, randomFillSync } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { toHex } from '../chunk-store.ts'
import type { DataMap } from './data-map.ts'
import type { ChunkSink, ChunkSource } from './pipeline.ts'
import { SelfEncryptor } from './encryptor.ts'
import { MIB } from './split.ts'

export interface SelfencBenchOptions {
  /** Plaintext size per round; default 256 MiB. */
  sizeMiB?: number | undefined
  /** Measured rounds (the median is reported); default 5, after one warm-up round. */
  rounds?: number | undefined
  /** Worker threads; default os.availableParallelism(). */
  workers?: number | undefined
  log?: ((line: string) => void) | undefined
}

export type SelfencBenchResult = {
  size_mib: number
  rounds: number
  workers: number
  cores: number
  /** Pipeline: split, hash, derive keys, compress check, AES-256-GCM, address, store into a Map. */
  encrypt_mbps: number
  /** Pipeline: fetch, check address, AES-256-GCM open, check plaintext hash, assemble. */
  decrypt_mbps: number
  /** One thread, 1 MiB pieces: SHA-256 plaintext, AES-256-GCM encrypt, SHA-256 ciphertext. */
  baseline_mbps: number
  encrypt_ratio: number
  decrypt_ratio: number
}

/** A store that neither verifies nor copies, so the store's cost does not hide the pipeline's. */
class MapStore implements ChunkSink, ChunkSource {
  readonly chunks = new Map<string, Uint8Array>()
  async put(address: Uint8Array, bytes: Uint8Array): Promise<void> {
    this.chunks.set(toHex(address), bytes)
  }
  async get(address: Uint8Array): Promise<Uint8Array> {
    const bytes = this.chunks.get(toHex(address))
    if (!bytes) throw new Error(`bench store lost chunk ${toHex(address)}`)
    return bytes
  }
}

function baseline(data: Uint8Array, key: Uint8Array, nonce: Uint8Array): void {
  for (let at = 0; at < data.byteLength; at += MIB) {
    const piece = data.subarray(at, at + MIB)
    createHash('sha256').update(piece).digest()
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    const ct = cipher.update(piece)
    cipher.final()
    createHash('sha256').update(ct).update(cipher.getAuthTag()).digest()
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * A full collection before each timed phase, so one phase does not pay for
 * freeing the previous one's garbage (a round leaves ~2× the data size of
 * dead chunks and plaintext behind). The flag only unlocks the function.
 */
function collector(): () => void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as unknown
  return typeof gc === 'function' ? (gc as () => void) : () => {}
}

async function timed(collect: () => void, fn: () => unknown): Promise<number> {
  collect()
  // Let the background sweeper return the freed memory before the clock starts.
  await sleep(20)
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

const round2 = (x: number): number => Math.round(x * 100) / 100

export async function benchSelfenc(opts: SelfencBenchOptions = {}): Promise<SelfencBenchResult> {
  const sizeMiB = opts.sizeMiB ?? 256
  const rounds = opts.rounds ?? 5
  const workers = opts.workers ?? availableParallelism()
  const log = opts.log ?? (() => {})
  if (!Number.isInteger(sizeMiB) || sizeMiB < 1) throw new RangeError(`sizeMiB must be a whole number ≥ 1`)
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a whole number ≥ 1`)

  const data = new Uint8Array(sizeMiB * MIB)
  for (let at = 0; at < data.byteLength; at += 64 * MIB)
    randomFillSync(data, at, Math.min(64 * MIB, data.byteLength - at))
  const key = randomBytes(32)
  const nonce = randomBytes(12)
  const mb = data.byteLength / 1e6
  const enc = new SelfEncryptor({ workers })
  const collect = collector()
  const figures = { encrypt: [] as number[], decrypt: [] as number[], baseline: [] as number[] }
  try {
    log(`selfenc bench: ${sizeMiB} MiB of random bytes, ${workers} workers, ${rounds} rounds + warm-up`)
    for (let r = 0; r <= rounds; r++) {
      const store = new MapStore()
      const tBase = await timed(collect, () => baseline(data, key, nonce))
      let map: DataMap | undefined
      const tEnc = await timed(collect, async () => {
        map = await enc.encrypt(data, store)
      })
      let back: Uint8Array | undefined
      const tDec = await timed(collect, async () => {
        back = await enc.decrypt(map!, store)
      })
      if (back?.byteLength !== data.byteLength || Buffer.compare(back, data) !== 0) {
        throw new Error('selfenc bench: decrypted bytes differ from the original')
      }
      const line = `baseline ${(mb / tBase).toFixed(0)} MB/s, encrypt ${(mb / tEnc).toFixed(0)} MB/s, decrypt ${(mb / tDec).toFixed(0)} MB/s`
      if (r === 0) {
        log(`  warm-up: ${line}`)
        continue
      }
      log(`  round ${r}: ${line}`)
      figures.baseline.push(mb / tBase)
      figures.encrypt.push(mb / tEnc)
      figures.decrypt.push(mb / tDec)
    }
  } finally {
    await enc.close()
  }
  const baselineMbps = median(figures.baseline)
  const encryptMbps = median(figures.encrypt)
  const decryptMbps = median(figures.decrypt)
  return {
    size_mib: sizeMiB,
    rounds,
    workers,
    cores: availableParallelism(),
    encrypt_mbps: round2(encryptMbps),
    decrypt_mbps: round2(decryptMbps),
    baseline_mbps: round2(baselineMbps),
    encrypt_ratio: round2(encryptMbps / baselineMbps),
    decrypt_ratio: round2(decryptMbps / baselineMbps),
  }
}
