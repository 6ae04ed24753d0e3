// What a node does with its reachability: a reachable node serves as a vault
// (and, when public, as a relay, and as a DHT server); an unreachable one is a
// client only. The vault side (registering the chunk and record protocols,
// staying out of close groups) is the node's: it is told through `serveVault`.
import type { Host } from './host.ts'
import { loopbackOnly, relayService } from './host.ts'
import { isClientOnly, ReachabilityWatch } from './reachability.ts'
import type { NetworkReport, Reachability } from './reachability.ts'

export interface ReachabilityPolicyOptions {
  listen: string[]
  decideAfterMs?: number
  /** Called with true when the node may serve as a vault, false when it must not. */
  serveVault: (on: boolean) => Promise<void>
  log?: (line: string) => void
}

export class ReachabilityPolicy {
  readonly watch: ReachabilityWatch
  private readonly host: Host
  private readonly opts: ReachabilityPolicyOptions
  private applying: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(host: Host, opts: ReachabilityPolicyOptions) {
    this.host = host
    this.opts = opts
    this.watch = new ReachabilityWatch(host, {
      network: !loopbackOnly(opts.listen),
      decideAfterMs: opts.decideAfterMs,
      onChange: (state) => this.enqueue(state),
    })
  }

  /** Applies the starting state (a loopback node serves at once), then follows changes. */
  async start(): Promise<void> {
    await this.apply(this.watch.state)
    this.watch.start()
  }

  get serving(): boolean {
    return !isClientOnly(this.watch.state)
  }

  report(): NetworkReport {
    return this.watch.report()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.watch.stop()
    await this.applying
  }

  private enqueue(state: Reachability): void {
    this.opts.log?.(`reachability: ${state}${isClientOnly(state) ? ' (client only)' : ''}`)
    this.applying = this.applying
      .then(() => (this.stopped ? undefined : this.apply(state)))
      .catch((err) => this.opts.log?.(`applying reachability ${state} failed: ${(err as Error).message}`))
  }

  private async apply(state: Reachability): Promise<void> {
    const relay = relayService(this.host) as unknown as
      { start(): Promise<void>; stop(): Promise<void>; isStarted(): boolean } | undefined
    // only a node the internet can dial relays for others
    if (relay && state === 'public' && !relay.isStarted()) await relay.start()
    if (relay && state !== 'public' && relay.isStarted()) await relay.stop()
    await this.opts.serveVault(!isClientOnly(state))
    // a DHT server others cannot dial would only waste their lookups
    await this.host.services.dht.setMode(isClientOnly(state) ? 'client' : 'server')
  }
}
