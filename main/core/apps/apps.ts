// The apps on a node, put together: the grants kept on disk, the per-app
// log, the gate that serves the apps' calls, and the dashboard's commands to
// answer requests and revoke. The node builds one at start.
import { ApiError } from '../api/dispatcher.ts'
import type { ChunkStore } from '../chunk-store.ts'
import type { Drive } from '../drive/index.ts'
import type { NetworkRecordStore } from '../net/network-record-store.ts'
import { AppLog } from './app-log.ts'
import { AppRefusedError } from './errors.ts'
import { AppGate, contentJson } from './gate.ts'
import type { AppEntry } from './grants.ts'
import { GrantStore } from './grants.ts'
import { containerOf } from './paths.ts'
import { fetchPublic } from './public-data.ts'
import { NetworkAppRecords } from './records.ts'
import type { AppLogLine, AppSummary, PublicFetched } from './summary.ts'
import type { UsageWallet } from './usage-payments.ts'
import { USAGE_PERIOD_MS, UsagePayments } from './usage-payments.ts'

/** The most a public fetch through the dashboard's API returns (the CLI's `get`). */
const MAX_GET_BYTES = 256 * 2 ** 20

export interface AppsNode {
  drive(): Drive | undefined
  chunks: Pick<ChunkStore, 'get' | 'put'>
  records: Pick<NetworkRecordStore, 'get' | 'put'>
  /** The open account's drive-owner seed, from which each app's record keys are derived. */
  accountSeed(): Uint8Array | undefined
  /** Told of an app's request, so the user hears of it where they are (the dashboard, a notification). */
  onRequest?(entry: { name: string; version: string; id: string; usage_price: number }): void
  /** Runs an app's call with its developer named on the receipts of the chunks it reads. */
  readingFor?<T>(developerWallet: string, work: () => Promise<T>, onShare: () => void): Promise<T>
  /** The user's wallet, which pays apps' usage prices; without one nothing is paid. */
  wallet?: UsageWallet
  log?(line: string): void
}

export class Apps {
  readonly store: GrantStore
  readonly log: AppLog
  readonly gate: AppGate
  /** Usage prices paid to developers; absent on a node without a wallet. */
  readonly payments: UsagePayments | undefined
  private readonly node: AppsNode

  private constructor(store: GrantStore, log: AppLog, node: AppsNode) {
    this.store = store
    this.log = log
    this.node = node
    this.payments = node.wallet
      ? new UsagePayments(store, node.wallet, USAGE_PERIOD_MS, (line) => node.log?.(line))
      : undefined
    this.gate = new AppGate(store, log, {
      drive: () => node.drive(),
      chunks: node.chunks,
      records: () => {
        const seed = node.accountSeed()
        return seed ? new NetworkAppRecords(node.records, seed) : undefined
      },
      onRequest: (e) => {
        node.log?.(`app "${e.manifest.name}" ${e.manifest.version} asks for access (id ${e.id})`)
        node.onRequest?.({
          name: e.manifest.name,
          version: e.manifest.version,
          id: e.id,
          usage_price: e.manifest.usage_price,
        })
      },
      ...(node.readingFor ? { readingFor: node.readingFor } : {}),
    })
  }

  static async open(home: string, node: AppsNode): Promise<Apps> {
    const store = new GrantStore(home)
    await store.load()
    const apps = new Apps(store, new AppLog(home), node)
    apps.payments?.start()
    return apps
  }

  list(): AppSummary[] {
    return this.store.list().map(summary)
  }

  async grant(id: string, readFolders: string[] = []): Promise<AppSummary> {
    const entry = await dashboardCall(() => this.store.grant(id, readFolders))
    this.node.log?.(`app "${entry.manifest.name}" granted`)
    // the first period's price is paid at once: the user consented to it by granting
    if (entry.manifest.usage_price > 0) void this.payments?.payDue().catch(() => {})
    return summary(entry)
  }

  async deny(id: string): Promise<AppSummary> {
    const entry = await dashboardCall(() => this.store.deny(id))
    this.node.log?.(`app "${entry.manifest.name}" denied`)
    return summary(entry)
  }

  async revoke(id: string): Promise<AppSummary> {
    const entry = await dashboardCall(() => this.store.revoke(id))
    this.node.log?.(`app "${entry.manifest.name}" revoked`)
    return summary(entry)
  }

  entries(id: string, limit?: number): AppLogLine[] {
    if (!this.store.get(id)) throw new ApiError(404, `no app ${id}`)
    return this.log.entries(id, limit)
  }

  /** Public data by its address, for the dashboard's caller (the CLI's `peerdrive get`). */
  async fetch(address: string): Promise<PublicFetched> {
    try {
      return contentJson(
        await fetchPublic(this.node.chunks, address, {
          maxBytes: MAX_GET_BYTES,
          ...(this.node.readingFor
            ? { readingFor: (w, work) => this.node.readingFor!(w, work, () => {}) }
            : {}),
        }),
      ) as PublicFetched
    } catch (err) {
      const name = (err as Error).name
      if (name === 'PublicAddressError' || name === 'UsageError' || name === 'DataMapInvalid')
        throw new ApiError(400, (err as Error).message)
      if (name === 'ChunkMissing') throw new ApiError(404, `nothing found at ${address}`)
      throw err
    }
  }

  /** Usage counters reach the disk now (they are otherwise saved with the next change); payments stop. */
  async flush(): Promise<void> {
    this.payments?.stop()
    await this.payments?.settled()
    await this.store.save()
    await this.log.flushed()
  }
}

function summary(e: AppEntry): AppSummary {
  return {
    id: e.id,
    name: e.manifest.name,
    version: e.manifest.version,
    developer_wallet: e.manifest.developer_wallet,
    usage_price: e.manifest.usage_price,
    state: e.state,
    requested_at: e.requested_at,
    decided_at: e.decided_at,
    wants: { ...e.manifest.permissions },
    grant: e.grant ? { ...e.grant, read_folders: [...e.grant.read_folders] } : null,
    container: containerOf(e),
    usage: { ...e.usage, developer_coins: e.usage.developer_coins ?? 0 },
    payments: (e.payments ?? []).map((p) => ({ ...p })),
  }
}

/** A refusal from the grants answers the dashboard with the same status. */
async function dashboardCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof AppRefusedError) throw new ApiError(err.status, err.message)
    throw err
  }
}
