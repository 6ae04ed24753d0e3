// The wallet's commands, as the node answers them once its wallet is in this build.
export interface WalletBalance {
  coins: number
  pending: number
  earned_today: number
  wallet_id: string
}

export interface WalletHistory {
  entries: { at: number; kind: 'minted' | 'sent' | 'received'; coin_id: string; peer?: string }[]
  per_day: { day: string; coins: number }[]
}
