// vault/ owns the donated store: chunk files on disk, their SQLite index, the hard quota, and integrity checks.
export { Vault } from './vault.ts'
export type { CorruptChunkEvent, VaultOptions, VaultStats } from './vault.ts'
export type { RecoveryReport } from './recovery.ts'
export {
  ChunkCorruptError,
  VaultBusyError,
  VaultClosedError,
  VaultFullError,
  VaultUnreadableError,
} from './errors.ts'
export { DEFAULT_CAPACITY, MIN_CAPACITY } from './quota.ts'
export { benchVault } from './bench.ts'
export type { VaultBenchOptions, VaultBenchResult } from './bench.ts'
