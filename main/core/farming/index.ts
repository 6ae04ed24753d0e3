// farming/ owns storage proofs, receipts and farming attempts, coin minting and transfer through coin groups, and the wallet.
export { BalanceGroup, DEFAULT_PRICES, StorageRefusedError } from './balance-group.ts'
export type { StorageBalance, StoragePrices } from './balance-group.ts'
export { COIN_QUORUM, proofHasQuorum, signTransfer, statementBytes } from './coin.ts'
export type { CoinProof, CoinSignature } from './coin.ts'
export { FarmDb } from './farm-db.ts'
export type { HistoryEntry } from './farm-db.ts'
export {
  DEFAULT_CLIENT_MIN_AGE_MS,
  DEFAULT_CLIENT_SLOTS,
  DEFAULT_FARMING_TARGET,
  FARM_PROTOCOL,
  Farmer,
  WalletError,
} from './farmer.ts'
export type { FarmerComponents, FarmerOptions, WalletBalance } from './farmer.ts'
export { FarmMessageError, decodeFarmRequest, decodeFarmResponse, encodeFarm } from './messages.ts'
export type { FarmRequest, FarmResponse } from './messages.ts'
export { VAULT_FULL, proofDigest } from './prover.ts'
export {
  DEVELOPER_SHARE,
  FARM_PERIOD_MS,
  attemptHash,
  coinIdOf,
  developerShareFalls,
  periodOf,
  receiptSignatureValid,
  signReceipt,
  underTarget,
  vouchBytes,
} from './receipt.ts'
export type { Receipt } from './receipt.ts'
export { TrustTable } from './trust.ts'
export type { TrustStore, Verdict } from './trust.ts'
