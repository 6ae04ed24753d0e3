// A vault node's parts before they are wired: its vault, its identity (kept in
// the vault directory, so the peer id and the chunks it answers for survive a
// restart) and its libp2p host.
import { join } from 'node:path'
import { identitySigner } from '../farming/signing.ts'
import { createHost } from '../net/host.ts'
import type { Host } from '../net/host.ts'
import { loadOrCreateKey } from '../net/identity.ts'
import type { OwnerKey } from '../records/index.ts'
import { Vault } from '../vault/index.ts'
import type { NodeOptions } from './options.ts'

export interface NodeParts {
  vault: Vault
  host: Host
  /** This node's identity as a signing key (receipts, coin countersignatures). */
  identity: OwnerKey
}

/** Opens the vault, then starts the host; a host that fails to start closes the vault again. */
export async function openNodeParts(opts: NodeOptions): Promise<NodeParts> {
  const vault = await Vault.open(
    opts.vaultDir,
    opts.capacity === undefined ? {} : { capacity: opts.capacity },
  )
  try {
    const privateKey = await loadOrCreateKey(join(opts.vaultDir, 'identity.key'), opts.idWorkBits, opts.log)
    const identity = identitySigner(privateKey)
    const host = await createHost({
      privateKey,
      listen: opts.listen,
      bootstrap: opts.bootstrap,
      mdns: opts.mdns,
      upnp: opts.upnp,
      heartbeatMs: opts.heartbeatMs,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    })
    return { vault, host, identity }
  } catch (err) {
    await vault.close()
    throw err
  }
}
