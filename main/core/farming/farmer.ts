// The farming part of a vault node: serves /peerdrive/farm/2.0.0, runs the
// storage proofs, turns receipts for chunks it served into farming attempts
// and coin claims, countersigns others' claims as a coin-group member, keeps
// deliveries as a wallet inbox's group member, and keeps the wallet that farmed
// coin is paid to, collecting what others send it from its inbox.
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import { fromHex, toHex } from '../chunk-store.ts'
import { PeerDriveError } from '../errors.ts'
import type { Host } from '../net/host.ts'
import { requestOneShot, serveOneShot } from '../net/one-shot.ts'
import type { OneShotProtocol } from '../net/one-shot.ts'
import type { PeerScores } from '../net/peer-scores.ts'
import type { VaultPeer } from '../net/peer-table.ts'
import type { RoutedPeers } from '../net/router.ts'
import { DEFAULT_REPLICAS } from '../placement/index.ts'
import { OwnerKey } from '../records/index.ts'
import { COIN_QUORUM, proofHasQuorum, signTransfer } from './coin.ts'
import type { CoinProof, CoinSignature } from './coin.ts'
import { FarmDb } from './farm-db.ts'
import type { HistoryEntry } from './farm-db.ts'
import { CoinInbox } from './inbox.ts'
import { MAX_FARM_MESSAGE_BYTES, decodeFarmRequest, decodeFarmResponse, encodeFarm } from './messages.ts'
import type { FarmRequest, FarmResponse } from './messages.ts'
import { Prover, VAULT_FULL, proofDigest } from './prover.ts'
import {
  DEVELOPER_SHARE,
  attemptHash,
  coinIdOf,
  developerShareFalls,
  periodOf,
  receiptSignatureValid,
  signReceipt,
  underTarget,
} from './receipt.ts'
import type { Receipt } from './receipt.ts'
import { ReceiptBatches } from './receipt-batches.ts'
import { purchaseOwner } from '../storage/ticket.ts'
import { TrustTable } from './trust.ts'
import { BalanceGroup, DEFAULT_PRICES } from './balance-group.ts'
import { LedgerHandOver } from './ledger-hand-over.ts'
import type { StoragePrices } from './balance-group.ts'
import { Validator } from './validator.ts'

export const FARM_PROTOCOL = '/peerdrive/farm/2.0.0'

/** The app whose reads are under way, if any (see forDeveloper): its developer wallet, and whom to tell of a share. */
const readingFor = new AsyncLocalStorage<{ wallet: string; onShare?: () => void }>()

/**
 * The default farming target: the chance that one served chunk mints a coin.
 * Chunks are at most 1 MiB, so 1/1024 is about one coin per GiB served.
 */
export const DEFAULT_FARMING_TARGET = 1 / 1024

/** Coins one client identity can make vaults earn per farming period (an hour): about 8 GiB read at the default target. */
export const DEFAULT_CLIENT_SLOTS = 8

/** How long a client must have been a vault known to its neighbours before they vouch for it. */
export const DEFAULT_CLIENT_MIN_AGE_MS = 24 * 3_600_000

const PROTOCOL: OneShotProtocol<FarmRequest, FarmResponse> = {
  id: FARM_PROTOCOL,
  maxMessageBytes: MAX_FARM_MESSAGE_BYTES,
  encodeRequest: encodeFarm,
  decodeRequest: decodeFarmRequest,
  encodeResponse: encodeFarm,
  decodeResponse: decodeFarmResponse,
}

export interface FarmerComponents {
  host: Host
  /** With `closest`, groups far from this vault (coin ids, other chunks) are looked up. */
  peers: RoutedPeers & { self: VaultPeer; list(): VaultPeer[] }
  vault: {
    addresses(): Uint8Array[]
    get(address: Uint8Array): Promise<Uint8Array>
    has(address: Uint8Array): Promise<boolean>
    isFull(): boolean
    /** Counts more bytes against the vault's donation: farm.db's files. */
    countAlso?(measure: () => number): void
  }
  identity: OwnerKey
  scores: PeerScores
  /** Bytes a neighbour was found holding of what this vault holds (its audits): what backing it is worth. */
  heldFor?: (peer: string) => number
}

export interface FarmerOptions {
  /** Where farm.db and the device wallet live (the vault directory). */
  dir: string
  replicas?: number
  /** Chance that one served chunk mints a coin: a network parameter; testnets raise it. */
  target?: number
  /** How often storage proofs run (default 60 s). */
  proofIntervalMs?: number
  /** Held chunks sampled each proof round to find every neighbour a chunk it should hold (default 64). */
  chunksPerProofRound?: number
  proofTimeoutMs?: number
  /** How old a receipt may be when its coin is claimed (default 10 min). */
  receiptMaxAgeMs?: number
  /** Fresh receipts remembered from one client identity; more are refused until older ones go stale (default 4096). */
  receiptsPerClient?: number
  /** Fresh receipts remembered for one chunk (default 256). */
  receiptsPerChunk?: number
  /** Fresh receipts remembered in all (default 65,536: an estimated 20–30 MB of farm.db). */
  receiptsTotal?: number
  /** Coins one client identity can make vaults earn per farming period: a network parameter (default 8). */
  clientSlots?: number
  /** How long a vault must have known a client before vouching for it (default 24 h; in-process test networks set 0). */
  clientMinAgeMs?: number
  /** How often this node asks its wallets' inboxes for coins sent to them (default 10 s). */
  inboxIntervalMs?: number
  /** The share of coins minted on an app's GETs that goes to its developer: a network parameter (default 0.1). */
  developerShare?: number
  /** What a vault backing an account earns it to store: network parameters (DEFAULT_PRICES). */
  storagePrices?: Partial<StoragePrices>
  log?: (line: string) => void
}

const SIGHTING_REFUSALS = {
  replay: 'the receipt was used already',
  'client-full': 'too many fresh receipts from this client',
  'chunk-full': 'too many fresh receipts for this chunk',
  full: 'too many fresh receipts',
} as const

export class WalletError extends PeerDriveError {
  constructor(message: string) {
    super('WalletError', message)
  }
}

export interface WalletBalance {
  coins: number
  pending: number
  earned_today: number
  wallet_id: string
}

export class Farmer {
  readonly trust: TrustTable
  readonly db: FarmDb
  readonly validator: Validator
  readonly prover: Prover
  readonly inbox: CoinInbox
  /** Paid storage: accounts' balance rows kept here, and this node's account paying for its chunks. */
  readonly balances: BalanceGroup
  /** Coin rows reach the vaults new to their groups. */
  readonly ledger: LedgerHandOver
  readonly #c: FarmerComponents
  readonly #o: Required<Omit<FarmerOptions, 'log' | 'dir'>> & { log: (line: string) => void }
  #wallet!: OwnerKey
  #walletId = ''
  /** Wallets this node has paid to: coins delivered to any of them are kept. */
  readonly #wallets = new Set<string>()
  #paused = false
  #timer: NodeJS.Timeout | undefined
  #inboxTimer: NodeJS.Timeout | undefined
  #round: Promise<void> = Promise.resolve()
  #roundRunning = false
  readonly #claims = new Set<Promise<unknown>>()
  #deviceSeed!: Uint8Array
  /** As a client: per farming period, the next coin slot a winning receipt fills. */
  #slots = new Map<number, number>()
  /** As a client: receipts waiting to go to the vaults that served the chunks. */
  readonly #receipts = new ReceiptBatches((vault, receipts) => this.ask(vault, { t: 'receipts', receipts }))
  /** As a client: its neighbours' vouches, per period, once a quorum was had. */
  readonly #vouches = new Map<number, CoinSignature[]>()

  private constructor(components: FarmerComponents, opts: FarmerOptions) {
    this.#c = components
    this.#o = {
      replicas: DEFAULT_REPLICAS,
      target: DEFAULT_FARMING_TARGET,
      proofIntervalMs: 60_000,
      chunksPerProofRound: 64,
      proofTimeoutMs: 5_000,
      receiptMaxAgeMs: 10 * 60_000,
      receiptsPerClient: 4096,
      receiptsPerChunk: 256,
      receiptsTotal: 65_536,
      inboxIntervalMs: 10_000,
      clientSlots: DEFAULT_CLIENT_SLOTS,
      clientMinAgeMs: DEFAULT_CLIENT_MIN_AGE_MS,
      developerShare: DEVELOPER_SHARE,
      storagePrices: DEFAULT_PRICES,
      log: () => {},
      // an option given as undefined keeps its default
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    }
    this.db = new FarmDb(join(opts.dir, 'farm.db'))
    // farming bookkeeping is the vault's own data: it takes from the donation like chunks do
    components.vault.countAlso?.(() => this.db.bytesOnDisk())
    // judgements are kept in farm.db: a restart forgives nobody
    this.trust = new TrustTable({ store: this.db })
    this.validator = new Validator(
      {
        peers: components.peers,
        identity: components.identity,
        db: this.db,
        trust: this.trust,
        ask: (peer, req, timeoutMs) => this.ask(peer, req, timeoutMs),
      },
      {
        replicas: this.#o.replicas,
        target: this.#o.target,
        receiptMaxAgeMs: this.#o.receiptMaxAgeMs,
        clientSlots: this.#o.clientSlots,
        developerShare: this.#o.developerShare,
        clientMinAgeMs: this.#o.clientMinAgeMs,
      },
    )
    this.prover = new Prover(
      {
        self: () => components.peers.self,
        vault: components.vault,
        group: (hex) => this.validator.group(hex),
        ask: (peer, req, timeoutMs) => this.ask(peer, req, timeoutMs),
        trust: this.trust,
      },
      { chunksPerRound: this.#o.chunksPerProofRound, timeoutMs: this.#o.proofTimeoutMs },
    )
    this.inbox = new CoinInbox({
      self: () => components.peers.self,
      db: this.db,
      lookupGroup: (hex) => this.validator.lookupGroup(hex),
      group: (hex) => this.validator.group(hex),
      near: (hex, peer) => this.validator.near(hex, peer),
      ask: (peer, req) => this.ask(peer, req),
    })
    this.balances = new BalanceGroup(
      {
        self: () => components.peers.self,
        identity: components.identity,
        db: this.db,
        validator: this.validator,
        ask: (peer, req, timeoutMs) => this.ask(peer, req, timeoutMs),
        verifyCoin: (proof) => this.verify(proof),
        heldFor: (peer) => components.heldFor?.(peer) ?? 0,
      },
      { ...DEFAULT_PRICES, ...this.#o.storagePrices },
    )
    this.ledger = new LedgerHandOver({
      self: () => components.peers.self,
      db: this.db,
      group: (hex) => this.validator.group(hex),
      near: (hex, peer) => this.validator.near(hex, peer),
      ask: (peer, req, timeoutMs) => this.ask(peer, req, timeoutMs),
    })
    this.trust.onDistrust((peer, why) => this.#o.log(`vault ${peer} is no longer trusted: ${why}`))
  }

  static async start(components: FarmerComponents, opts: FarmerOptions): Promise<Farmer> {
    const farmer = new Farmer(components, opts)
    farmer.#deviceSeed = await loadOrCreateSeed(join(opts.dir, 'wallet.key'))
    farmer.useDeviceWallet()
    farmer.#paused = farmer.db.setting('paused') === '1'
    // a restart does not hand out a slot again: the coin it named was minted already
    farmer.#slots = new Map(JSON.parse(farmer.db.setting('coin-slots') ?? '[]') as [number, number][])
    await serveOneShot(components.host, PROTOCOL, (req, from) => farmer.answer(req, from), components.scores)
    farmer.#timer = setInterval(() => {
      // a round still waiting on slow answers is not joined by another: rounds piling up on a
      // loaded machine would flood every neighbour with challenges and slow the answers further
      if (farmer.#roundRunning) return
      farmer.#roundRunning = true
      farmer.#round = farmer
        .#tick()
        .catch((err) => farmer.#o.log(`farming round failed: ${(err as Error).message}`))
        .finally(() => (farmer.#roundRunning = false))
    }, farmer.#o.proofIntervalMs)
    farmer.#timer.unref()
    farmer.#inboxTimer = setInterval(() => farmer.collectInbox(), farmer.#o.inboxIntervalMs)
    farmer.#inboxTimer.unref()
    return farmer
  }

  get walletId(): string {
    return this.#walletId
  }

  /** Pays farmed coin to this wallet from now on (the account's, once one is open). */
  useWallet(seed: Uint8Array): void {
    this.#wallet = OwnerKey.fromSeed(seed)
    this.#walletId = Buffer.from(this.#wallet.publicKey).toString('hex')
    this.#wallets.add(this.#walletId)
    // coins sent while no node held this wallet wait in its inbox
    if (this.#inboxTimer) this.collectInbox()
  }

  /** Asks the inbox of every wallet this node holds for coins sent to it; best effort. */
  collectInbox(): void {
    for (const wallet of this.#wallets)
      this.#track(this.inbox.collect(wallet, (proof) => this.#keepDelivered(proof)).catch(() => 0))
  }

  /** Pays this vault's own wallet (kept beside the vault) while no account is open. */
  useDeviceWallet(): void {
    this.useWallet(this.#deviceSeed)
  }

  /**
   * Moves every coin the device wallet holds to the wallet in use (the
   * account's), so coin farmed before logging in follows the user. Returns
   * how many moved; a coin whose group refuses stays in the device wallet.
   */
  moveDeviceCoins(): Promise<number> {
    const work = this.#moveDeviceCoins()
    this.#track(work.catch(() => 0))
    return work
  }

  async #moveDeviceCoins(): Promise<number> {
    const moved = await this.#moveCoins(OwnerKey.fromSeed(this.#deviceSeed), this.#walletId)
    if (moved > 0) this.#o.log(`moved ${moved} coin(s) from this vault's own wallet to the account's`)
    return moved
  }

  /**
   * Moves every coin this node holds for the wallet of `seed` to wallet `to`:
   * after a password change the account's old wallet is retired (a copy of
   * the old session packet holds its seed). Returns how many moved.
   */
  moveCoinsFrom(seed: Uint8Array, to: string): Promise<number> {
    const work = this.#moveCoins(OwnerKey.fromSeed(seed), to)
    this.#track(work.catch(() => 0))
    return work
  }

  async #moveCoins(from: OwnerKey, to: string): Promise<number> {
    const fromId = Buffer.from(from.publicKey).toString('hex')
    if (fromId === to) return 0
    let moved = 0
    for (const coin of this.db.ownedCoins(fromId)) if (await this.transfer(coin, to, from)) moved++
    return moved
  }

  get paused(): boolean {
    return this.#paused
  }

  /** Paused, the vault still stores, serves and proves, but makes no farming attempts. */
  setPaused(paused: boolean): void {
    if (paused !== this.#paused) this.#o.log(paused ? 'farming paused' : 'farming resumed')
    this.#paused = paused
    this.db.setSetting('paused', paused ? '1' : '0')
  }

  // --- the protocol ---------------------------------------------------------

  async answer(req: FarmRequest, from: PeerId | string): Promise<FarmResponse> {
    const peer = from.toString()
    switch (req.t) {
      case 'prove': {
        const address = fromHex(req.chunk)
        if (!(await this.#c.vault.has(address)))
          return this.#c.vault.isFull() ? { s: 'refused', reason: VAULT_FULL } : { s: 'missing' }
        const chunk = await this.#c.vault.get(address).catch(() => undefined)
        return chunk ? { s: 'ok', digest: proofDigest(chunk, req.nonce) } : { s: 'missing' }
      }
      case 'receipt':
        return this.#onReceipt(req.receipt, peer)
      case 'receipts': {
        // each is taken or refused on its own; the answer is the first refusal, if every one was refused
        const answers: FarmResponse[] = []
        for (const receipt of req.receipts) answers.push(await this.#onReceipt(receipt, peer))
        return answers.find((a) => a.s === 'ok') ?? answers[0]!
      }
      case 'claim':
        return this.validator.claim(req.receipt, req.owner, peer, req.vouches)
      case 'transfer':
        return this.validator.transfer(req.id, req.to, req.seq, req.auth)
      case 'coin':
        return this.validator.coin(req.id)
      case 'deliver':
        if (
          this.#wallets.has(req.proof.owner) &&
          !proofHasQuorum(req.proof, (p) => this.validator.near(req.proof.id, p))
        )
          return { s: 'refused', reason: 'the coin proof has no quorum' }
        this.#keepDelivered(req.proof)
        return this.inbox.keep(req.proof)
      case 'inbox':
        return this.inbox.answer(req.owner, req.skip)
      case 'adopt':
        return this.validator.adopt(req.proof)
      case 'vouch':
        return this.validator.vouch(peer, req.period)
      case 'back':
        return this.balances.back(peer, req.account, req.period)
      case 'grant':
        return this.balances.grant(peer, req)
      case 'balance':
        return this.balances.balance(peer, req)
      case 'buy':
        return this.balances.buy(req)
      case 'rows':
        await this.ledger.take(req.ids, peer)
        return { s: 'ok' }
    }
  }

  /** A farm request to a peer, or answered here when the peer is this node. */
  async ask(peer: VaultPeer, req: FarmRequest, timeoutMs = 10_000): Promise<FarmResponse> {
    if (peer.key === this.#c.peers.self.key) return this.answer(req, peer.key)
    return requestOneShot(this.#c.host, peer.id, PROTOCOL, req, timeoutMs)
  }

  // --- client side: receipts for chunks received --------------------------

  /**
   * Runs `work` as reads made for an app: the receipts for chunks it GETs
   * name the app's developer wallet, which takes its share of what they
   * mint; `onShare` hears of each winning receipt whose coin is the
   * developer's share (minted if its group agrees).
   */
  forDeveloper<T>(wallet: string, work: () => Promise<T>, onShare?: () => void): Promise<T> {
    if (!/^[0-9a-f]{64}$/.test(wallet)) return work()
    return readingFor.run({ wallet, ...(onShare ? { onShare } : {}) }, work)
  }

  /** Signs a receipt for a chunk `vault` served this node and sends it; best effort, never blocks a read. */
  sendReceipt(vault: VaultPeer, address: Uint8Array): void {
    if (vault.key === this.#c.peers.self.key || this.#claims.size > 256) return
    this.#track(
      this.receiptFor(vault.key, toHex(address))
        // a winning receipt carries vouches and goes at once; the others wait for their batch
        .then((receipt): Promise<unknown> =>
          receipt.vouches.length > 0
            ? this.ask(vault, { t: 'receipt', receipt })
            : this.#receipts.add(vault, receipt),
        )
        .catch(() => undefined),
    )
  }

  /**
   * This node's receipt, as a client, for a chunk `vault` served it. A
   * winning one fills the period's next coin slot and carries the vouches
   * of this node's neighbours; a losing one needs neither.
   */
  async receiptFor(
    vault: string,
    chunk: string,
    at = Date.now(),
    reading = readingFor.getStore(),
  ): Promise<Receipt> {
    const period = periodOf(at)
    const slot = this.#slots.get(period) ?? 0
    const client = this.#c.peers.self.key
    const developer = reading?.wallet
    const receipt = signReceipt(this.#c.identity, { chunk, vault, client, at, slot, developer })
    if (!underTarget(attemptHash(receipt), this.#o.target)) return receipt
    if (slot < this.#o.clientSlots && developerShareFalls(coinIdOf(receipt), this.#o.developerShare))
      reading?.onShare?.()
    // a receipt is at most the maximum age old, so only this period and its neighbours matter
    for (const old of this.#slots.keys()) if (old < period - 1) this.#slots.delete(old)
    this.#slots.set(period, slot + 1)
    this.db.setSetting('coin-slots', JSON.stringify([...this.#slots]))
    return { ...receipt, vouches: await this.vouchesFor(period) }
  }

  /** The vouches of this node's neighbours for a period, asked for once a period (again while short of a quorum). */
  async vouchesFor(period: number): Promise<CoinSignature[]> {
    const kept = this.#vouches.get(period)
    if (kept) return kept
    const near = await this.validator.clientNeighbours(this.#c.peers.self.key)
    const answers = await Promise.all(
      near.map((peer) =>
        this.ask(peer, { t: 'vouch', period }, 5_000).then(
          (res) => (res.s === 'ok' && res.signature ? [{ peer: peer.key, signature: res.signature }] : []),
          () => [],
        ),
      ),
    )
    const vouches = answers.flat()
    if (vouches.length >= COIN_QUORUM) {
      for (const old of this.#vouches.keys()) if (old < period - 1) this.#vouches.delete(old)
      this.#vouches.set(period, vouches)
    }
    return vouches
  }

  // --- vault side: attempts and claims -------------------------------------

  async #onReceipt(receipt: Receipt, from: string): Promise<FarmResponse> {
    const self = this.#c.peers.self.key
    if (receipt.vault !== self) return { s: 'refused', reason: 'the receipt names another vault' }
    if (receipt.client !== from) return { s: 'refused', reason: 'a receipt comes from its own client' }
    if (receipt.client === self) return { s: 'refused', reason: 'self-dealing: the client is the vault' }
    if (Math.abs(Date.now() - receipt.at) > this.#o.receiptMaxAgeMs)
      return { s: 'refused', reason: 'the receipt is not fresh' }
    if (!receiptSignatureValid(receipt))
      return { s: 'refused', reason: 'the receipt is not signed by its client' }
    if (!(await this.#c.vault.has(fromHex(receipt.chunk))))
      return { s: 'refused', reason: 'this vault does not hold that chunk' }
    // remembering the receipt takes disk; a full vault has none to give
    if (this.#c.vault.isFull()) return { s: 'refused', reason: VAULT_FULL }
    const hash = attemptHash(receipt)
    const seen = this.db.sight(
      { hash: hash.toString('hex'), client: receipt.client, chunk: receipt.chunk, at: receipt.at },
      {
        maxAgeMs: this.#o.receiptMaxAgeMs,
        perClient: this.#o.receiptsPerClient,
        perChunk: this.#o.receiptsPerChunk,
        total: this.#o.receiptsTotal,
      },
    )
    if (seen !== 'new') return { s: 'refused', reason: SIGHTING_REFUSALS[seen] }
    if (!this.#paused && underTarget(hash, this.#o.target) && receipt.slot < this.#o.clientSlots) {
      const owner = this.mintsTo(receipt)
      this.db.addPending(coinIdOf(receipt), JSON.stringify(receipt), owner)
      this.#track(this.claim(receipt, owner))
    }
    return { s: 'ok' }
  }

  /** Whom a winning receipt's coin is minted to: this vault's wallet, or the app developer's when its share falls on the coin. */
  mintsTo(receipt: Receipt): string {
    return receipt.developer !== undefined && developerShareFalls(coinIdOf(receipt), this.#o.developerShare)
      ? receipt.developer
      : this.#walletId
  }

  /**
   * Claims the coin a winning receipt names from the coin id's group; with a
   * quorum of signatures the coin is `owner`'s: this wallet's, kept here, or
   * an app developer's share, delivered to the developer's inbox. Returns
   * the refusals seen.
   */
  async claim(receipt: Receipt, owner: string): Promise<{ minted: boolean; refusals: string[] }> {
    const id = coinIdOf(receipt)
    const group = await this.validator.lookupGroup(id)
    // a vault mints only once its own neighbours vouch that it has been among them for the minimum age
    const vouches = await this.vouchesFor(periodOf(receipt.at))
    const answers = await Promise.all(
      group.map((peer) =>
        this.ask(peer, { t: 'claim', receipt, owner, vouches }).then(
          (res) => ({ peer: peer.key, res }),
          (err: Error) => ({ peer: peer.key, res: { s: 'refused', reason: err.message } as FarmResponse }),
        ),
      ),
    )
    const signatures = answers.flatMap(({ peer, res }) =>
      res.s === 'ok' && res.signature ? [{ peer, signature: res.signature }] : [],
    )
    const refusals = answers.flatMap(({ res }) => (res.s === 'refused' ? [res.reason] : []))
    const proof: CoinProof = { id, owner, seq: 1, signatures }
    if (signatures.length < COIN_QUORUM) {
      // the id is burnt where members signed; a claim refused by the group stays refused
      this.db.removePending(id)
      this.#o.log(`coin claim ${id.slice(0, 12)} refused: ${[...new Set(refusals)].join('; ')}`)
      return { minted: false, refusals }
    }
    this.db.removePending(id)
    if (owner === receipt.developer && !this.#wallets.has(owner)) {
      const kept = await this.inbox.deliver(proof).catch(() => 0)
      this.#o.log(
        `farmed coin ${id.slice(0, 12)} for an app's developer ${owner.slice(0, 12)} (${kept ? 'in its inbox' : 'no inbox vault took it yet'})`,
      )
      return { minted: true, refusals }
    }
    this.db.keepCoin(proof)
    this.db.addHistory(owner, { at: Date.now(), kind: 'minted', coin_id: id, peer: receipt.client })
    this.#o.log(`farmed coin ${id.slice(0, 12)} (${signatures.length} of ${group.length} signatures)`)
    return { minted: true, refusals }
  }

  // --- the wallet ------------------------------------------------------------

  balance(): WalletBalance {
    const today = new Date().toISOString().slice(0, 10)
    return {
      coins: this.db.ownedCoins(this.#walletId).length,
      pending: this.db.pending().filter((p) => p.owner === this.#walletId).length,
      earned_today: this.db.mintedPerDay(this.#walletId).find((d) => d.day === today)?.coins ?? 0,
      wallet_id: this.#walletId,
    }
  }

  history(): { entries: HistoryEntry[]; per_day: { day: string; coins: number }[] } {
    return { entries: this.db.history(this.#walletId), per_day: this.db.mintedPerDay(this.#walletId) }
  }

  /** Moves `count` coins to wallet `to`; each move is countersigned by its coin's group. */
  async send(count: number, to: string): Promise<{ sent: number }> {
    if (!/^[0-9a-f]{64}$/.test(to)) throw new WalletError('a wallet id is 64 hex digits')
    if (to === this.#walletId) throw new WalletError('that is this wallet')
    const owned = this.db.ownedCoins(this.#walletId)
    if (owned.length < count)
      throw new WalletError(`this wallet holds ${owned.length} coin(s), fewer than ${count}`)
    let sent = 0
    for (const coin of owned.slice(0, count)) {
      const proof = await this.transfer(coin, to)
      if (!proof) continue
      sent++
    }
    if (sent < count)
      throw new WalletError(`sent ${sent} of ${count} coins; the coins' groups refused the rest`)
    return { sent }
  }

  /**
   * Spends `count` of this wallet's coins on an account's storage: each coin
   * moves to the account's purchase owner (no key signs for it again), and
   * the account's balance group credits the allowance. Returns how many did.
   */
  async buyStorage(account: string, count: number): Promise<{ bought: number }> {
    const owned = this.db.ownedCoins(this.#walletId)
    if (owned.length < count)
      throw new WalletError(`this wallet holds ${owned.length} coin(s), fewer than ${count}`)
    let bought = 0
    for (const coin of owned.slice(0, count)) {
      const proof = await this.transfer(coin, purchaseOwner(account), this.#wallet, false)
      if (proof && (await this.balances.announcePurchase(account, proof))) bought++
    }
    if (bought < count)
      throw new WalletError(`bought storage with ${bought} of ${count} coins; the groups refused the rest`)
    return { bought }
  }

  /**
   * One coin to `to`: the owner signs the move, the group checks and
   * countersigns it, and (unless `deliver` is false: a coin spent on storage)
   * it is left in the receiving wallet's inbox.
   */
  async transfer(
    coin: CoinProof,
    to: string,
    from: OwnerKey = this.#wallet,
    deliver = true,
  ): Promise<CoinProof | undefined> {
    const seq = coin.seq + 1
    const auth = signTransfer(from, coin.id, to, seq)
    const group = await this.validator.lookupGroup(coin.id)
    const answers = await Promise.all(
      group.map(async (peer) => {
        const move = () => this.ask(peer, { t: 'transfer', id: coin.id, to, seq, auth })
        try {
          let res = await move()
          // a member that joined the group since the coin last moved learns it from the coin's proof
          if (res.s === 'refused' && res.reason === 'unknown coin') {
            const adopted = await this.ask(peer, { t: 'adopt', proof: coin })
            if (adopted.s === 'ok') res = await move()
          }
          return { peer: peer.key, res }
        } catch {
          return { peer: peer.key, res: { s: 'refused', reason: 'no answer' } as FarmResponse }
        }
      }),
    )
    const signatures = answers.flatMap(({ peer, res }) =>
      res.s === 'ok' && res.signature ? [{ peer, signature: res.signature }] : [],
    )
    if (signatures.length < COIN_QUORUM) {
      const why = answers.flatMap(({ res }) => (res.s === 'refused' ? [res.reason] : []))
      this.#o.log(`transfer of coin ${coin.id.slice(0, 12)} refused: ${[...new Set(why)].join('; ')}`)
      return undefined
    }
    const proof: CoinProof = { id: coin.id, owner: to, seq, signatures }
    this.db.markSent(coin.id, proof)
    this.db.addHistory(coin.owner, { at: Date.now(), kind: 'sent', coin_id: coin.id, peer: to })
    if (!deliver) return proof
    // the receiving wallet's node is not known by id: the coin waits in the wallet's inbox
    const kept = await this.inbox.deliver(proof)
    if (kept === 0)
      this.#o.log(`coin ${coin.id.slice(0, 12)} was sent, but no vault of its inbox took the delivery yet`)
    this.#keepDelivered(proof)
    return proof
  }

  /** Whether the coin's group still agrees, by quorum, that `proof` states its owner. */
  async verify(proof: CoinProof): Promise<boolean> {
    const answers = await Promise.all(
      (await this.validator.lookupGroup(proof.id)).map(async (p) => {
        try {
          const res = await this.ask(p, { t: 'coin', id: proof.id })
          if (res.s !== 'unknown') return res
          // a member new to the group is handed the row the proof states, then asked again
          await this.ask(p, { t: 'adopt', proof })
          return await this.ask(p, { t: 'coin', id: proof.id })
        } catch {
          return undefined
        }
      }),
    )
    const agree = answers.filter(
      (a) => a?.s === 'ok' && a.owner === proof.owner && a.seq === proof.seq,
    ).length
    return agree >= COIN_QUORUM && proofHasQuorum(proof, (peer) => this.validator.near(proof.id, peer))
  }

  /** Keeps a coin delivered to a wallet of this node; whether it was news. */
  #keepDelivered(proof: CoinProof): boolean {
    if (!this.#wallets.has(proof.owner)) return false
    if (!proofHasQuorum(proof, (peer) => this.validator.near(proof.id, peer))) return false
    if (!this.db.keepCoin(proof)) return false
    this.db.addHistory(proof.owner, { at: Date.now(), kind: 'received', coin_id: proof.id })
    return true
  }

  async #tick(): Promise<void> {
    // a vault's age, for vouching, counts from when this node first knew it
    this.db.sawPeers(this.#c.peers.list().map((p) => p.key))
    await this.prover.round()
  }

  #track(work: Promise<unknown>): void {
    this.#claims.add(work)
    void work.finally(() => this.#claims.delete(work))
  }

  /** Waits for receipts and claims in flight. */
  async settled(): Promise<void> {
    while (this.#claims.size > 0) await Promise.allSettled([...this.#claims])
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    clearInterval(this.#inboxTimer)
    await this.#round
    await this.settled()
    this.db.close()
  }
}

async function loadOrCreateSeed(path: string): Promise<Uint8Array> {
  const existing = await readFile(path, 'utf8').catch(() => undefined)
  if (existing !== undefined) {
    const seed = Buffer.from(existing.trim(), 'hex')
    if (seed.length === 32) return seed
    throw new WalletError(`${path} is not a PeerDrive wallet key`)
  }
  const seed = randomBytes(32)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(`${path}.tmp`, `${seed.toString('hex')}\n`, { mode: 0o600 })
  await chmod(`${path}.tmp`, 0o600)
  await rename(`${path}.tmp`, path)
  return seed
}
