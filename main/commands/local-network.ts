// For `start` and `up`: the peers to join, or — when none are given — a local
// network of vault processes started on this machine, said plainly.
import { join } from 'node:path'
import { ensurePrivateDir } from '../core/home.ts'
import { defaultHome } from '../core/paths.ts'
import { Testnet } from '../core/testnet/testnet.ts'
import type { TestnetOptions } from '../core/testnet/testnet.ts'

/** What a vault backing an account earns it an hour on a local network (the node's own vault uses the same). */
export const LOCAL_STORAGE_EARN = '1GiB'

export function say(line: string): void {
  process.stdout.write(`${line}\n`)
}

export async function peersOrLocalNetwork(
  bootstrap: string[],
  local: Pick<TestnetOptions, 'nodes' | 'donate' | 'auditMs' | 'freeStorage'>,
): Promise<{ bootstrap: string[]; local?: Testnet }> {
  if (bootstrap.length > 0) return { bootstrap }
  say(`No bootstrap peers given: starting a local network of ${local.nodes} vault processes on this machine.`)
  // the home is made here first, private, not as a by-product of the network's directory
  await ensurePrivateDir(defaultHome())
  // one machine's own vaults know each other's clients from the start: no day of aging before farming pays
  // nor is storage scarce on a network that is the user's own disk: an hour's allowance is 1 GiB
  const net = await Testnet.start({
    ...local,
    vouchAgeMs: 0,
    storageEarn: LOCAL_STORAGE_EARN,
    dir: join(defaultHome(), 'local-network'),
  })
  return { bootstrap: net.bootstrap, local: net }
}
