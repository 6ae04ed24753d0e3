// A network client without a vault of its own: joins through bootstrap
// addresses, learns the vaults, and stores and fetches chunks and records on them.
import { multiaddr } from '@multiformats/multiaddr'
import { PeerDriveError, UsageError } from '../errors.ts'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import { requestChunk } from './chunk-protocol.ts'
import { createHost } from './host.ts'
import type { Host } from './host.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Request, Response } from './messages.ts'
import { NetworkChunkStore } from './network-store.ts'
import { fetchPeerList } from './peer-exchange.ts'
import { PeerTable } from './peer-table.ts'
import { KadRouter } from './router.ts'
import type { KadRouterOptions } from './router.ts'
import type { VaultPeer } from './vault-peer.ts'
import type { RecordRequest, RecordResponse } from './record-messages.ts'
import { requestRecord } from './record-protocol.ts'
import { NetworkRecordStore } from './network-record-store.ts'

export class NoVaultsError extends PeerDriveError {
  constructor(bootstrap: string[]) {
    super('NoVaults', `no vault reachable through ${bootstrap.join(', ')}`)
  }
}

export interface NetworkClient {
  host: Host
  peers: PeerTable
  store: NetworkChunkStore
  records: NetworkRecordStore
  ask(peer: VaultPeer, req: Request): Promise<Response>
  stop(): Promise<void>
}

export function parseBootstrap(addrs: string[]): string[] {
  if (addrs.length === 0) throw new UsageError('--bootstrap <multiaddr> is required')
  for (const a of addrs) {
    if (!isPeerAddress(a))
      throw new UsageError(
        `not a peer multiaddr: "${a}" (expected e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3Koo…)`,
      )
  }
  return addrs
}

function isPeerAddress(text: string): boolean {
  try {
    return multiaddr(text)
      .getComponents()
      .some((c) => c.name === 'p2p')
  } catch {
    return false
  }
}

export async function connectClient(opts: {
  bootstrap: string[]
  replicas?: number
  timeoutMs?: number
  /** Told of every lookup the client makes (for measurements). */
  onLookup?: KadRouterOptions['onLookup']
  /** The work a vault's id must carry on this network (net/id-work.ts); default 0, as testnets ask. */
  idWorkBits?: number
}): Promise<NetworkClient> {
  const bootstrap = parseBootstrap(opts.bootstrap)
  const host = await createHost({ privateKey: await generateKeyPair('Ed25519') })
  const peers = new PeerTable(host, { selfIsVault: false, idWorkBits: opts.idWorkBits })
  const ask = (peer: VaultPeer, req: Request): Promise<Response> => requestChunk(host, peer.id, req)
  const replicas = opts.replicas ?? DEFAULT_REPLICAS
  // groups beyond the vaults this client is connected to are found by lookups
  const router = new KadRouter(host, () => peers.list(), undefined, {
    replicas,
    onLookup: opts.onLookup,
    idWorkBits: opts.idWorkBits,
  })
  const routed = {
    self: peers.self,
    withSelf: () => peers.withSelf(),
    list: () => peers.list(),
    closest: (key: Uint8Array, count?: number) => router.closestPeers(key, count),
    relook: (key: Uint8Array) => router.forgetKey(key),
  }
  const store = new NetworkChunkStore({ peers: routed, ask }, { replicas })
  const askRecord = (peer: VaultPeer, req: RecordRequest): Promise<RecordResponse> =>
    requestRecord(host, peer.id, req)
  const records = new NetworkRecordStore({ peers: routed, ask: askRecord }, { replicas })
  const client = {
    host,
    peers,
    store,
    records,
    ask,
    stop: async () => {
      await records.settled()
      await host.stop()
    },
  }
  try {
    await join(host, peers, bootstrap, opts.timeoutMs ?? 10_000)
  } catch (err) {
    await host.stop()
    throw err
  }
  return client
}

/** Dials the bootstrap vaults, then every vault they know, and waits until each has identified. */
async function join(host: Host, peers: PeerTable, bootstrap: string[], timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs)
  const expected = new Set<string>()
  for (const addr of bootstrap) {
    const conn = await host.dial(multiaddr(addr), { signal }).catch(() => undefined)
    if (!conn) continue
    expected.add(conn.remotePeer.toString())
    const list = await fetchPeerList(host, conn.remotePeer).catch(() => [])
    await Promise.all(
      list.map(async (p) => {
        expected.add(p.id.toString())
        await host.peerStore.merge(p.id, { multiaddrs: p.addrs }).catch(() => {})
        await host.dial(p.id, { signal }).catch(() => {})
      }),
    )
  }
  if (expected.size === 0) throw new NoVaultsError(bootstrap)
  // identify runs just after each connection opens; wait for it to name the vaults
  while (peers.size < expected.size && !signal.aborted) await new Promise((r) => setTimeout(r, 20))
  if (peers.size === 0) throw new NoVaultsError(bootstrap)
}
