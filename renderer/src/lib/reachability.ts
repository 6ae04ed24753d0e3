// What the Network card says about reachability: whether other vaults can
// dial this node, and so whether it serves as a vault or is a client only.
import type { StatusResult } from '../../../main/core/api/contract.ts'

export interface ReachabilityView {
  label: string
  detail: string
  tone: 'ok' | 'warn' | 'muted'
}

export function reachabilityView(network: StatusResult['network']): ReachabilityView | null {
  switch (network.reachability) {
    case undefined:
      return null
    case 'public':
      return {
        label: 'Reachable from the internet',
        detail: 'Serves as a vault, and relays for nodes behind routers',
        tone: 'ok',
      }
    case 'local':
      return { label: 'Reachable on this network', detail: 'Serves as a vault', tone: 'ok' }
    case 'private':
      return {
        label: 'Behind a router: client only',
        detail:
          'Other vaults cannot dial this computer, so it stores nothing for others; your drive still works through the network',
        tone: 'warn',
      }
    case 'unknown':
      return {
        label: 'Checking reachability…',
        detail: 'Client only until other vaults confirm they can dial this computer',
        tone: 'muted',
      }
  }
}
