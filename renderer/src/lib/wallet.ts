// The wallet's figures, as the node's API contract gives them.
export type { WalletBalance, WalletHistory } from '../../../main/core/api/contract.ts'
