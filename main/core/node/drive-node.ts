// A vault node with the user's drive: accounts, the drive and its mount, and
// the API that the dashboard and the command line talk to.
import { rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  Accounts,
  NotLoggedInError,
  accountId,
  fileOnlySealer,
  forget,
  recall,
  remember,
  wipeKeys,
} from '../account/index.ts'
import type { Credentials, OpenAccount, SecretSealer } from '../account/index.ts'
import { degradedSummary, endpointFile, startApiServer } from '../api/index.ts'
import { Apps } from '../apps/index.ts'
import {
  ReceivedShares,
  SharedFolders,
  SharedWithMeFs,
  Shares,
  currentAccountId,
  moveFolderList,
  publishForward,
  openOffer,
  sealOffer,
  withSharedWithMe,
} from '../share/index.ts'
import type { UsageWallet } from '../apps/index.ts'
import type { ReceivedSummary } from '../share/index.ts'
import type { AccountStatus, ApiServer, StatusResult } from '../api/index.ts'
import { Drive, withMounts } from '../drive/index.ts'
import type { SyncStatus } from '../drive/index.ts'
import { RecordRootStore } from '../drive/record-root-store.ts'
import { DEFAULT_HISTORY_DAYS } from '../drive/versions.ts'
import { DRIVE_HISTORY_RECORD } from '../drive/versions-remote.ts'
import type { Farmer } from '../farming/index.ts'
import { checkMountable, currentOwner, mountDrive } from '../fuse/index.ts'
import type { MountedDrive } from '../fuse/index.ts'
import { ensurePrivateDir } from '../home.ts'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import { throttledStore } from '../net/bandwidth.ts'
import { OwnerKey } from '../records/index.ts'
import { DEFAULT_CACHE_LIMIT_BYTES } from '../settings/index.ts'
import { DegradedLogoutError, UnsyncedLogoutError } from './errors.ts'
import { NodeFeed } from './feed.ts'
import { driveNodeHandlers } from './handlers.ts'
import type { DriveNodeOptions, LoginRequest } from './options.ts'
import { PeerDriveNode } from './vault-node.ts'
import { StorageWatch } from './storage-watch.ts'

/**
 * The drive's sync status with what it reports about files below R copies
 * on other vaults; optional so this reads a drive that does not report them yet.
 */
type DriveSyncStatus = Omit<SyncStatus, 'state'> & {
  state: SyncStatus['state'] | 'degraded'
  files_degraded?: number
  degraded?: { name: string; copies: number; of: number }[]
  tree_copies?: number
}

/**
 * A vault node with the user's drive: the vault serves the network from the
 * start; the drive opens when an account does (created, logged in, or
 * remembered on this device), with the account's keys, and is mounted with
 * FUSE; the API serves status and the account commands.
 */
export class DriveNode {
  readonly node: PeerDriveNode
  readonly api: ApiServer
  readonly accounts: Accounts
  /** Log lines, live events and settings for the dashboard. */
  readonly feed: NodeFeed
  /** Third-party apps: their requests, grants and calls (docs/APPS.md). */
  readonly apps: Apps
  /** Files and folders shared by link (docs/DRIVE.md, "Sharing"). */
  readonly shares: Shares
  /** Shares this account opened, shown under "Shared with me/" in the mount. */
  readonly received: ReceivedShares
  private readonly opts: DriveNodeOptions
  /** The open account's storage balance, where storage is paid. */
  private readonly storage: StorageWatch
  private open:
    | {
        account: OpenAccount
        drive: Drive
        /** Folders shared for writing, each a drive of its own mounted inside this one. */
        folders: SharedFolders
        mounted?: MountedDrive
        remembered: boolean
      }
    | undefined
  /** One account change at a time: a login racing a logout would mount a closed drive. */
  private changing: Promise<unknown> = Promise.resolve()

  private constructor(
    node: PeerDriveNode,
    api: ApiServer,
    opts: DriveNodeOptions,
    feed: NodeFeed,
    apps: Apps,
    shares: Shares,
    received: ReceivedShares,
  ) {
    this.node = node
    this.apps = apps
    this.shares = shares
    this.received = received
    this.api = api
    this.opts = opts
    this.feed = feed
    this.storage = new StorageWatch((account) => node.storageBalance(account), opts.log ?? (() => {}))
    this.accounts = new Accounts(
      {
        get: (address) => node.records.get(address),
        put: (record, payer) => node.records.put(record, { payer: node.recordPayer(payer) }),
      },
      opts.accounts,
    )
  }

  static async start(options: DriveNodeOptions): Promise<DriveNode> {
    // a fresh machine joining a network has no home yet: api.json and the settings go there
    await ensurePrivateDir(options.home)
    const feed = new NodeFeed(options.home)
    await feed.settings.load()
    const self: { node?: DriveNode } = {}
    const opts = feed.wrap(options, () => self.node!.accountStatus())
    const node = await PeerDriveNode.start(opts)
    const limits = feed.settings.get()
    node.bandwidth.set({ upload: limits.upload_bytes_per_s ?? 0, download: limits.download_bytes_per_s ?? 0 })
    try {
      // The account's packet and the drive's root record live on other vaults: meet them first.
      if (opts.bootstrap?.length) await node.waitForPeers(opts.replicas ?? DEFAULT_REPLICAS, 15_000)
      const apps = await Apps.open(opts.home, {
        drive: () => self.node?.drive,
        chunks: node.network,
        records: node.records,
        accountSeed: () => self.node?.account?.keys.driveOwnerSeed,
        wallet: accountWallet(node.farmer, () => self.node?.account !== undefined),
        readingFor: (developer, work, onShare) => node.farmer.forDeveloper(developer, work, onShare),
        onRequest: (app) =>
          feed.events.emit({
            type: 'notice',
            kind: 'app-request',
            message: `${app.name} ${app.version} asks for access${app.usage_price > 0 ? ` at ${app.usage_price} coin(s) every 30 days` : ''}: answer it in Apps`,
          }),
        log: opts.log,
      })
      const shares = await Shares.open(opts.home, {
        drive: () => self.node?.drive,
        account: () => {
          const account = self.node?.account
          return account ? { id: account.id, seed: account.keys.driveOwnerSeed } : undefined
        },
        chunks: node.network,
        records: node.records,
        send: async (to, offer) => {
          const account = self.node?.account
          return account ? sendOffer(node, account.keys.accountSeed, to, offer) : 0
        },
        log: opts.log,
      })
      const received = await ReceivedShares.open(opts.home, {
        account: () => self.node?.account,
        chunks: node.network,
        records: node.records,
        offers: async () => {
          const account = self.node?.account
          if (!account) return []
          const sealed = await node.shareInbox.collect(account.id)
          return sealed.flatMap((s) => openOffer(account.keys.accountSeed, s) ?? [])
        },
        onReceived: (share) => announceReceived(feed, share),
        folderOffer: async (offer) => self.node?.folders?.accept(offer),
        log: opts.log,
      })
      // the API is up before the DriveNode that answers it exists
      const api = await startApiServer(
        driveNodeHandlers(() => self.node!),
        { port: opts.apiPort, events: feed.events, staticDir: opts.dashboardDir, apps: apps.gate },
      )
      const driveNode = new DriveNode(node, api, opts, feed, apps, shares, received)
      self.node = driveNode
      shares.start()
      received.start()
      feed.watchStatus(() => driveNode.status())
      try {
        await writeAtomically(endpointFile(opts.home), JSON.stringify({ port: api.port, token: api.token }))
        const keys = await recall(opts.home, driveNode.sealer)
        if (keys) await driveNode.openAccount({ id: accountId(keys), keys }, true)
      } catch (err) {
        // the status watch would otherwise read a stopped vault on its next tick
        feed.stop()
        await api.close()
        throw err
      }
      return driveNode
    } catch (err) {
      await node.stop()
      throw err
    }
  }

  /** The open drive, if an account is open. */
  get drive(): Drive | undefined {
    return this.open?.drive
  }

  get account(): OpenAccount | undefined {
    return this.open?.account
  }

  /** The open account's folders shared for writing. */
  get folders(): SharedFolders | undefined {
    return this.open?.folders
  }

  /** The folder shared for writing whose mount holds `path`, with the path inside its drive. */
  holding(path: string): ReturnType<SharedFolders['holding']> {
    return this.open?.folders.holding(path)
  }

  /** Where the drive mounts when an account opens. */
  get mountPoint(): string | undefined {
    return this.opts.mount
  }

  private get sealer(): SecretSealer {
    return this.opts.sealer ?? fileOnlySealer
  }

  accountStatus(): AccountStatus {
    return {
      logged_in: this.open !== undefined,
      account_id: this.open?.account.id ?? null,
      remembered: this.open?.remembered ?? false,
    }
  }

  async create(req: LoginRequest): Promise<AccountStatus> {
    return this.change(async () => {
      // an account, once created, exists for good: find out first whether its drive could mount
      if (this.opts.mount && !this.open) await checkMountable(this.opts.mount, this.opts.log ?? (() => {}))
      const account = await this.accounts.create(req)
      await this.switchTo(account, req.remember === true)
    })
  }

  async login(req: LoginRequest): Promise<AccountStatus> {
    return this.change(async () => {
      const account = await this.accounts.login(req)
      if (this.open?.account.id === account.id) {
        wipeKeys(account.keys)
        await this.setRemembered(req.remember === true)
        return
      }
      await this.switchTo(account, req.remember === true)
    })
  }

  /** Closes the open account (refusing if its drive has unsynced data), then opens `account`. */
  private async switchTo(account: OpenAccount, remembered: boolean): Promise<void> {
    try {
      await this.closeAccount(false)
    } catch (err) {
      wipeKeys(account.keys)
      throw err
    }
    await this.openAccount(account, remembered)
  }

  /** Flushes the drive, unmounts it and wipes the account's keys from memory and disk. */
  async logout(force = false): Promise<AccountStatus> {
    return this.change(() => this.closeAccount(force))
  }

  /**
   * Every key rotates (docs/ACCOUNT.md): an account open here is closed first
   * (refused like logout while files have not reached the network), then
   * opened again under its new keys; coins this node holds for the retired
   * wallet move to the new one.
   */
  async changePassword(req: Credentials & { new_password: string }): Promise<AccountStatus> {
    return this.change(async () => {
      let reopen: { previous: OpenAccount; remembered: boolean } | undefined
      let rotation
      try {
        rotation = await this.accounts.changePassword(req, req.new_password, {
          beforeRotate: async (old) => {
            if (this.open?.account.id !== old.id) return wipeKeys(old.keys)
            const remembered = this.open.remembered
            // refused while files have not reached the network: then nothing has changed
            await this.closeAccount(false)
            reopen = { previous: old, remembered }
          },
        })
      } catch (err) {
        // the account opens again here as it was (docs/ACCOUNT.md: what a change stopped part way leaves)
        if (reopen)
          await this.openAccount(reopen.previous, reopen.remembered).catch((again: Error) =>
            this.opts.log?.(`reopening the account after a failed password change failed: ${again.message}`),
          )
        throw err
      }
      const { account, retired } = rotation
      // shares follow the account to its new keys: links handed out and shares opened keep working
      await this.shares
        .carryOver(
          { id: retired.id, seed: retired.keys.driveOwnerSeed },
          { id: account.id, seed: account.keys.driveOwnerSeed },
        )
        .catch((err) => this.opts.log?.(`moving shares to the new keys failed: ${(err as Error).message}`))
      await this.received.carryOver(retired.id, account.id)
      // what others send to the retired id follows the account to its new one
      await publishForward(this.node.records, retired.keys.accountSeed, account.id).catch((err) =>
        this.opts.log?.(`pointing the retired account id at the new one failed: ${(err as Error).message}`),
      )
      // folders shared for writing keep their own keys; the account's list of them moves to its new keys
      await moveFolderList(
        this.node.records,
        { seed: retired.keys.driveOwnerSeed, key: retired.keys.driveKey },
        { seed: account.keys.driveOwnerSeed, key: account.keys.driveKey },
      ).catch((err) =>
        this.opts.log?.(`moving the shared folders to the new keys failed: ${(err as Error).message}`),
      )
      if (reopen) {
        wipeKeys(reopen.previous.keys)
        await this.openAccount(account, reopen.remembered)
        await this.shares.check().catch(() => {})
      }
      const walletId = Buffer.from(OwnerKey.fromSeed(account.keys.walletSeed).publicKey).toString('hex')
      await this.node.farmer
        .moveCoinsFrom(retired.keys.walletSeed, walletId)
        .catch((err) => this.opts.log?.(`moving coins to the new wallet failed: ${(err as Error).message}`))
      wipeKeys(retired.keys)
      if (!reopen) wipeKeys(account.keys)
    })
  }

  private async change(work: () => Promise<void>): Promise<AccountStatus> {
    const run = this.changing.then(work)
    this.changing = run.catch(() => {})
    await run
    return this.accountStatus()
  }

  private async openAccount(account: OpenAccount, remembered: boolean): Promise<void> {
    const log = this.opts.log ?? (() => {})
    // where storage is paid, the account pays for what its drive puts
    const payer = OwnerKey.fromSeed(account.keys.accountSeed)
    this.node.payStorageAs(payer, () => this.storage.refreshSoon())
    this.storage.follow(payer)
    const drive = await Drive.open({
      // each account's drive state apart, so a second account on this node never sees the first's
      dir: join(this.opts.home, 'drives', account.id.slice(0, 16)),
      key: account.keys.driveKey,
      // the drive's puts and gets share the node's upload and download limits
      chunks: throttledStore(this.node.network, this.node.bandwidth),
      cacheLimitBytes: () => this.feed.settings.get().cache_limit_bytes ?? DEFAULT_CACHE_LIMIT_BYTES,
      root: new RecordRootStore(this.node.records, OwnerKey.fromSeed(account.keys.driveOwnerSeed)),
      journalLimitBytes: this.opts.journalLimitBytes,
      capacityBytes: () => this.node.vault.stats().capacity,
      log,
      onEvent: this.opts.onDriveEvent,
      historyDays: () => this.feed.settings.get().history_days ?? DEFAULT_HISTORY_DAYS,
      historyStore: new RecordRootStore(
        this.node.records,
        OwnerKey.fromSeed(account.keys.driveOwnerSeed),
        DRIVE_HISTORY_RECORD,
      ),
    })
    let mounted: MountedDrive | undefined
    let folders: SharedFolders | undefined
    try {
      const chunks = throttledStore(this.node.network, this.node.bandwidth)
      folders = await SharedFolders.open({
        records: this.node.records,
        chunks,
        dir: join(this.opts.home, 'drives', account.id.slice(0, 16)),
        account: { id: account.id, seed: account.keys.driveOwnerSeed, key: account.keys.driveKey },
        send: (to, offer) => sendOffer(this.node, account.keys.accountSeed, to, offer),
        capacityBytes: () => this.node.vault.stats().capacity,
        cacheLimitBytes: () => this.feed.settings.get().cache_limit_bytes ?? DEFAULT_CACHE_LIMIT_BYTES,
        historyDays: () => this.feed.settings.get().history_days ?? DEFAULT_HISTORY_DAYS,
        log,
        onEvent: this.opts.onDriveEvent,
        onReceived: (share) => announceReceived(this.feed, share),
      })
      // what was shared with this account shows beside its own files
      const shared = new SharedWithMeFs(this.received, chunks, currentOwner())
      if (this.opts.mount)
        mounted = await mountDrive(
          withMounts(withSharedWithMe(drive, shared), folders, currentOwner()),
          this.opts.mount,
          { log },
        )
    } catch (err) {
      await folders?.close()
      await drive.close()
      throw err
    }
    this.open = { account, drive, folders, mounted, remembered: false }
    await this.setRemembered(remembered)
    log(`account ${account.id.slice(0, 12)} open${mounted ? `; drive mounted at ${mounted.mountPoint}` : ''}`)
    // farmed coin is paid to the account's wallet while it is open, and what the vault farmed before follows
    this.node.farmer.useWallet(account.keys.walletSeed)
    this.node.farmer
      .moveDeviceCoins()
      .catch((err) => log(`moving coins to the account's wallet failed: ${(err as Error).message}`))
    this.opts.onAccountChange?.(account)
  }

  private async setRemembered(on: boolean): Promise<void> {
    if (!this.open) return
    if (on) await remember(this.opts.home, this.open.account.keys, this.sealer)
    else await forget(this.opts.home)
    this.open.remembered = on
  }

  private async closeAccount(force: boolean): Promise<void> {
    const open = this.open
    if (!open) return
    const synced =
      (await this.settleForLogout(open.drive, force ? 5_000 : 30_000)) &&
      (await open.folders.syncAll(force ? 5_000 : 30_000))
    if (!force) {
      // the only copy of a degraded file may be on this device: leaving would lose it with the machine
      const below = degradedSummary(this.syncStatus(open.drive))
      if (below) throw new DegradedLogoutError(below.files, below.of)
      if (!synced) throw new UnsyncedLogoutError(open.drive.status().files_pending)
    }
    await open.mounted?.unmount()
    await open.folders.close()
    await open.drive.close()
    this.open = undefined
    await forget(this.opts.home)
    // the drive's local state (tree, cached and staged file data) is this account's: none stays behind
    await rm(join(this.opts.home, 'drives', open.account.id.slice(0, 16)), { recursive: true, force: true })
    this.node.payStorageAs(undefined)
    this.storage.follow(undefined)
    wipeKeys(open.account.keys)
    this.node.farmer.useDeviceWallet()
    this.opts.log?.('account closed; its keys and local drive state are wiped from this device')
    this.opts.onAccountChange?.(undefined)
  }

  /**
   * Flushes open files and waits for uploads, up to `timeoutMs`; true once
   * everything is in the network. Stops waiting early when all that is left
   * is degraded: more vaults are needed for those, not more time here.
   */
  private async settleForLogout(drive: Drive, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const slice = Math.max(0, Math.min(1_000, deadline - Date.now()))
      if (await drive.syncAll(slice).catch(() => false)) return true
      if (Date.now() >= deadline || this.syncStatus(drive).state === 'degraded') return false
    }
  }

  /** The drive's sync state as the API gives it; files below R copies are never 'synced'. */
  private syncStatus(drive: Drive): StatusResult['sync'] {
    const sync: DriveSyncStatus = drive.status()
    const degraded = (sync.degraded ?? []).map(({ name, copies, of }) => ({ name, copies, of }))
    const filesDegraded = Math.max(sync.files_degraded ?? 0, degraded.length)
    const state = sync.state === 'synced' && filesDegraded > 0 ? 'degraded' : sync.state
    return {
      state: state === 'error' && this.node.peers.size === 0 ? 'offline' : state,
      files_pending: sync.files_pending,
      bytes_pending: sync.bytes_pending,
      uploading: sync.uploading.map(({ name, done, total }) => ({ name, done, total })),
      errors: sync.errors,
      files_degraded: filesDegraded,
      degraded,
      ...(sync.tree_copies === undefined ? {} : { tree_copies: sync.tree_copies }),
    }
  }

  /** Spends this node's wallet's coins on the open account's storage; the status shows the new allowance soon after. */
  async buyStorage(coins: number): Promise<{ bought: number }> {
    const account = this.open?.account
    if (!account) throw new NotLoggedInError()
    const bought = await this.node.farmer.buyStorage(account.id, coins)
    this.storage.refreshSoon()
    return bought
  }

  status(): StatusResult {
    const m = this.node.metrics()
    const v = this.node.vault.stats()
    const drive = this.open?.drive
    return {
      mounted: this.open?.mounted !== undefined,
      mount: this.open?.mounted?.mountPoint ?? null,
      sync: drive
        ? this.syncStatus(drive)
        : {
            state: 'no-drive',
            files_pending: 0,
            bytes_pending: 0,
            uploading: [],
            errors: [],
            files_degraded: 0,
            degraded: [],
          },
      vault: { dir: this.node.vault.dir, donated_bytes: v.capacity, used_bytes: v.used, chunks: v.chunks },
      peers: m.vaultPeers,
      network: {
        size: m.networkSize,
        repairs: m.repairs,
        last_repair_at: m.lastRepairAt,
        ...this.node.networkReport(),
      },
      peer_id: m.peerId,
      addresses: this.node.multiaddrs(),
      ...(drive ? { cache: drive.onDemand.usage() } : {}),
      ...(this.storage.current() ? { storage: this.storage.current() } : {}),
    }
  }

  /**
   * Unmounts (after flushing what can be flushed) and stops the drive, the API
   * and the node. Remembered keys stay; otherwise the keys leave with the process.
   */
  async stop(): Promise<void> {
    await this.changing
    this.storage.stop()
    await this.shares.stop()
    await this.received.stop()
    const open = this.open
    this.open = undefined
    if (open) {
      await open.drive.syncAll(30_000).catch(() => false)
      await open.folders.syncAll(30_000)
      await open.mounted?.unmount()
      await open.folders.close()
      // it waited above: what is still pending stays in the journal for the next start
      await open.drive.close(0)
      wipeKeys(open.account.keys)
    }
    this.feed.stop()
    await this.api.close()
    await this.apps.flush().catch(() => {})
    await rm(endpointFile(this.opts.home), { force: true })
    await this.node.stop()
  }
}

/**
 * Seals an offer to the account `to` goes by now (a retired id forwards to
 * its successor) and leaves it in that account's share inbox; how many vaults kept it.
 */
async function sendOffer(
  node: PeerDriveNode,
  senderSeed: Uint8Array,
  to: string,
  offer: Parameters<typeof sealOffer>[2],
): Promise<number> {
  const now = await currentAccountId(node.records, to)
  return node.shareInbox.deliver(now, sealOffer(senderSeed, now, offer))
}

/** A share another account sent arrived: a notice (a desktop notification with the tray). */
function announceReceived(feed: NodeFeed, share: ReceivedSummary): void {
  feed.events.emit({
    type: 'notice',
    kind: 'share-received',
    message: `${share.from?.slice(0, 12)}… shared "${share.name}" with you${share.write ? ' for writing' : ''}: it is in "Shared with me"`,
  })
}

/** The open account's wallet, paying apps' usage prices one coin at a time. */
function accountWallet(farmer: Farmer, accountOpen: () => boolean): UsageWallet {
  return {
    id: () => (accountOpen() ? farmer.walletId : undefined),
    payOne: async (to) => (await farmer.send(1, to)).sent === 1,
    sentSince: (to, since) =>
      farmer.history().entries.filter((e) => e.kind === 'sent' && e.peer === to && e.at >= since).length,
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode: 0o600 })
  await rename(`${path}.tmp`, path)
}
