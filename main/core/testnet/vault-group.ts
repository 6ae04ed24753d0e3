// Several vault nodes in one OS process, each with its own libp2p host, vault
// directory and identity: a thousand-vault testnet fits in one machine's
// memory only when the runtime, the loaded modules and the code they compile
// are paid once per process and not once per vault.
import type { NodeOptions } from '../node/options.ts'
import { PeerDriveNode } from '../node/vault-node.ts'

/** What every vault of the group shares; each has its own vault directory. */
export type GroupOptions = Omit<NodeOptions, 'vaultDir' | 'onPeerLost'>

export interface GroupEvents {
  ready(node: PeerDriveNode, vaultDir: string): void
  peerLost?(vaultDir: string, peer: string, at: number): void
}

export class VaultGroup {
  private readonly nodes = new Map<string, { node: PeerDriveNode; vaultDir: string }>()
  private readonly opts: GroupOptions
  private readonly on: GroupEvents
  private stopping = false

  constructor(opts: GroupOptions, on: GroupEvents) {
    this.opts = opts
    this.on = on
  }

  /**
   * Starts the vaults one after another (a process loads and compiles its
   * modules once; starting its vaults at the same time would only compete for
   * the same core). The first vault joins through `bootstrap`; each later one
   * through `bootstrap` and the vault started before it, so a group started
   * with no bootstrap at all still forms one network. A vault that fails to
   * start stops the whole group.
   */
  async start(dirs: string[]): Promise<void> {
    const { opts, on } = this
    let previous: string | undefined
    try {
      for (const vaultDir of dirs) {
        if (this.stopping) return
        const node = await PeerDriveNode.start({
          ...opts,
          vaultDir,
          bootstrap: [...(opts.bootstrap ?? []), ...(previous ? [previous] : [])],
          onPeerLost: on.peerLost ? (peer, at) => on.peerLost!(vaultDir, peer.key, at) : undefined,
        })
        if (this.stopping) {
          await node.stop()
          return
        }
        this.nodes.set(node.host.peerId.toString(), { node, vaultDir })
        previous = node.multiaddrs()[0]
        on.ready(node, vaultDir)
      }
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  get size(): number {
    return this.nodes.size
  }

  /**
   * Ends one vault the way a crash would: every connection is cut at once
   * (its peers learn of it as they would of a killed process), then it stops
   * without handing anything off. False if no such vault runs here.
   */
  async kill(peerId: string): Promise<boolean> {
    const entry = this.nodes.get(peerId)
    if (!entry) return false
    this.nodes.delete(peerId)
    for (const conn of entry.node.host.getConnections()) conn.abort(new Error('vault killed'))
    await entry.node.stop()
    return true
  }

  /** Each running vault's connection count (what a network that scales keeps small). */
  stats(): { peerId: string; vault: string; connections: number }[] {
    return [...this.nodes].map(([peerId, { node, vaultDir }]) => ({
      peerId,
      vault: vaultDir,
      connections: node.host.getConnections().length,
    }))
  }

  /** Stops every vault still running, all at once. */
  async stop(): Promise<void> {
    this.stopping = true
    const all = [...this.nodes.values()]
    this.nodes.clear()
    await Promise.all(all.map(({ node }) => node.stop()))
  }
}
