// What a simulation run is given: the network, the data, the churn and the
// links. Defaults that are assumptions rather than measurements say so in
// docs/SIMULATION.md.
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import { CHURN_MODELS } from './churn.ts'
import type { ChurnModel } from './churn.ts'

/** Failures the scenario itself sets, e.g. the same kills as a real testnet. */
export interface Kill {
  atS: number
  /** These vaults (slots); otherwise a `share` of the online ones, drawn at random. */
  slots?: number[]
  share?: number
  /** Disks gone for good (true) or an outage they come back from after an absence of the churn model. */
  permanent: boolean
  /** Closed connections (noticed at once) or silence (noticed by heartbeat). */
  silent?: boolean
}

export interface SimConfig {
  vaults: number
  /** Chunks tracked; each stands for an equal share of the stored bytes. */
  chunks: number
  days: number
  /** Copies of each chunk (replication). */
  replicas: number
  /** Reed–Solomon instead of copies: k data + m parity fragments, any k rebuild the chunk. */
  erasure?: { k: number; m: number }
  churn: ChurnModel
  seed: number
  /** Median donated disk, GiB (log-normal, `diskSigma` the spread of its logarithm). */
  diskGiB: number
  diskSigma: number
  /** Share of the donated space the data fills at the start, counting every copy. */
  fill: number
  /** Median upload bandwidth of a vault, Mbit/s (log-normal). */
  uploadMbps: number
  uploadSigma: number
  /** Time until peers notice a departure: a closed connection, a silent one (heartbeat). */
  detection: { closedS: number; silentS: number }
  /** How often each vault audits what it holds; a change a loss does not signal is found within one. */
  auditIntervalS: number
  /** Fixed cost of one repair transfer besides its bytes (request, fsync). */
  transferLatencyS: number
  /** Vaults ranked beyond the group, for the pass-over of full ones. */
  spare: number
  /**
   * Chunks a vault repairs at once (Repairer's `concurrency`, its lanes): each lane sends one
   * chunk's copies; a chunk that finds every lane busy waits in the vault's backlog.
   */
  lanes: number
  kills: Kill[]
  /** Given positions (kad ids) for the first vaults, e.g. a real testnet's. */
  ids?: Uint8Array[]
  /** Given chunk addresses, e.g. the chunks a real test stored. */
  addresses?: Uint8Array[]
  /** Where each given chunk is at the start (slots), e.g. where a real network holds it; by default its close group. */
  holders?: number[][]
  /** Bytes of one chunk; by default the data fills `fill` of the disks. */
  chunkBytes?: number
  /** One upload rate for every vault, bytes/s (overrides the distribution). */
  uploadBps?: number
  /**
   * A capacity every vault's uploads share, bytes/s: the vaults of a testnet on
   * one host share its cores, so ten leaders repairing at once each get a share
   * of what one of them could send alone.
   */
  sharedUploadBps?: number
  /** One donation for every vault, bytes (overrides the distribution). */
  capacityBytes?: number
}

export const DEFAULTS: SimConfig = {
  vaults: 1000,
  chunks: 10_000,
  days: 30,
  replicas: DEFAULT_REPLICAS,
  churn: CHURN_MODELS.home!,
  seed: 1,
  diskGiB: 100,
  diskSigma: 1,
  fill: 0.1,
  uploadMbps: 20,
  uploadSigma: 0.7,
  // as measured by `peerdrive bench net` (docs/PERFORMANCE.md): 11 ms median for a killed vault,
  // 5.4 s for a frozen one (the heartbeat gives up after three silent beats of 2 s)
  detection: { closedS: 0.012, silentS: 5.4 },
  auditIntervalS: 30,
  transferLatencyS: 0.01,
  spare: 4,
  // Repairer's default concurrency
  lanes: 8,
  kills: [],
}

export function simConfig(overrides: Partial<SimConfig>): SimConfig {
  return { ...DEFAULTS, ...overrides }
}
