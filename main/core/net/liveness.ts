// The heartbeat: notices a peer that went silent (frozen, cut off, asleep)
// without closing its connection. A closed connection needs none of this:
// libp2p reports it at once. libp2p's own connection monitor drops a link after
// ONE ping missing its deadline — on a loaded machine, or behind megabytes of a
// transfer on the same connection, that drops live links. Here a link is
// dropped only after several heartbeats in a row without a sign of life.
import type { AbortOptions, ComponentLogger, Connection, Logger, Stream } from '@libp2p/interface'
import { byteStream } from '@libp2p/utils'

export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
const PING_LENGTH = 32

export interface LivenessInit {
  /** One heartbeat per connection every interval. */
  intervalMs: number
  /** Heartbeats in a row without a sign of life before the connection is dropped. */
  misses: number
}

/** A connection dropped by the heartbeat; the name is what callers and tests match. */
export class SilentPeerError extends Error {
  override name = 'SilentPeerError'
}

/** What the heartbeat needs of a host: its open connections and a ping on one of them. */
export interface LivenessDeps {
  connections(): Connection[]
  /** Resolves when the peer answered on this connection; rejects otherwise. */
  ping(conn: Connection, options: AbortOptions): Promise<void>
  log?: Logger
}

interface LinkState {
  misses: number
  pinging: boolean
  /** The last ping failed outright (reset, refused) rather than staying unanswered. */
  failed: boolean
  /** The peer opened a stream on this link since the last heartbeat: it is alive. */
  heard: boolean
}

/**
 * Drives the heartbeat: `tick()` runs once per interval (a timer in `start()`,
 * a test by hand). A tick counts a miss for every link whose ping is still
 * unanswered or failed, unless the peer opened a stream on it meanwhile; it
 * starts a new ping only where none is pending, so pings never pile up behind
 * a busy link (libp2p allows one outbound ping stream per connection).
 */
export class Liveness {
  readonly [Symbol.toStringTag] = 'peerdrive:liveness'

  private readonly links = new WeakMap<Connection, LinkState>()
  private readonly aborter = new AbortController()
  private timer: ReturnType<typeof setInterval> | undefined

  private readonly init: LivenessInit
  private readonly deps: LivenessDeps
  private watched: (conn: Connection) => boolean = () => true

  constructor(init: LivenessInit, deps: LivenessDeps) {
    this.init = init
    this.deps = deps
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.init.intervalMs)
    // a process stays alive for its connections, not for their heartbeat
    this.timer.unref?.()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.aborter.abort()
  }

  /**
   * Beats only on the links `filter` keeps (every link until told). A vault
   * keeps its neighbours' links and its clients': a frozen vault anywhere else
   * holds none of its groups, and the requests sent to it time out on their
   * own. The pings and their answers on every link were much of what an idle
   * vault spent its CPU on.
   */
  watchOnly(filter: (conn: Connection) => boolean): void {
    this.watched = filter
  }

  /** What the heartbeat knows of a connection: misses so far, and whether a ping is pending. */
  linkOf(conn: Connection): { misses: number; pinging: boolean } {
    const link = this.links.get(conn)
    return { misses: link?.misses ?? 0, pinging: link?.pinging ?? false }
  }

  tick(): void {
    if (this.aborter.signal.aborted) return
    for (const conn of this.deps.connections()) {
      if (conn.status !== 'open') continue
      if (!this.watched(conn)) {
        // a link watched again later starts afresh: no misses counted while it was not
        // (a ping still pending on it is kept track of, so no second one starts beside it)
        const link = this.links.get(conn)
        if (link) Object.assign(link, { misses: 0, failed: false, heard: false })
        continue
      }
      const link = this.link(conn)
      if (link.heard) link.misses = 0
      else if (link.pinging || link.failed) link.misses++
      link.heard = false
      link.failed = false
      if (link.misses >= this.init.misses) {
        const err = new SilentPeerError(
          `no sign of life from ${conn.remotePeer.toString()} in ${link.misses} heartbeats of ${this.init.intervalMs} ms`,
        )
        this.deps.log?.('dropping %s: %s', conn.remoteAddr.toString(), err.message)
        conn.abort(err)
        continue
      }
      if (!link.pinging) this.ping(conn, link)
    }
  }

  private link(conn: Connection): LinkState {
    let link = this.links.get(conn)
    if (!link) {
      const fresh: LinkState = { misses: 0, pinging: false, failed: false, heard: false }
      link = fresh
      this.links.set(conn, fresh)
      // A stream the peer opens proves it alive as well as a ping answer would;
      // the muxer is not part of libp2p's Connection interface, hence the guard.
      const muxer = (conn as { muxer?: Partial<EventTarget> }).muxer
      muxer?.addEventListener?.('stream', () => {
        fresh.heard = true
        fresh.misses = 0
      })
    }
    return link
  }

  private ping(conn: Connection, link: LinkState): void {
    link.pinging = true
    // a ping still unanswered after all its misses has nothing left to prove
    const signal = AbortSignal.any([
      this.aborter.signal,
      AbortSignal.timeout(this.init.intervalMs * (this.init.misses + 1)),
    ])
    this.deps
      .ping(conn, { signal })
      .then(
        () => {
          link.misses = 0
        },
        (err: unknown) => {
          if (this.aborter.signal.aborted) return
          link.failed = true
          this.deps.log?.('heartbeat to %s failed: %s', conn.remoteAddr.toString(), String(err))
        },
      )
      .finally(() => {
        link.pinging = false
      })
  }
}

/** A stream muxer that can ping its peer itself (yamux's Ping frame). */
interface PingingMuxer {
  ping(options?: AbortOptions): Promise<number>
}

/**
 * One ping on this very connection (libp2p's ping service would pick any
 * connection to the peer). Over yamux it is the muxer's own Ping frame: no
 * stream, protocol negotiation or peer-store write, which made the stream
 * ping most of an idle vault's CPU. Other muxers (QUIC's) get the ping protocol.
 */
export async function pingConnection(conn: Connection, options: AbortOptions): Promise<void> {
  // the muxer is not part of libp2p's Connection interface, hence the guard
  const muxer = (conn as { muxer?: Partial<PingingMuxer> }).muxer
  if (typeof muxer?.ping === 'function') {
    // The muxer is given no signal: a ping it gave up on turns the late answer
    // into an "unrequested ping" error that closes the connection. Left
    // pending, the next heartbeat waits on the same ping and a late answer counts.
    const pong = (muxer as PingingMuxer).ping()
    await untilAborted(pong, options.signal)
    return
  }
  await pingStream(conn, options)
}

/** Settles as `work` does, or rejects when `signal` aborts first; `work` goes on either way. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  work.catch(() => {})
  if (!signal) return work
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** The ping protocol on a new stream of the connection. */
export async function pingStream(conn: Connection, options: AbortOptions): Promise<void> {
  let stream: Stream | undefined
  try {
    stream = await conn.newStream(PING_PROTOCOL, { ...options, runOnLimitedConnection: true })
    const bytes = byteStream(stream)
    await Promise.all([
      bytes.write(crypto.getRandomValues(new Uint8Array(PING_LENGTH)), options),
      bytes.read({ ...options, bytes: PING_LENGTH }),
    ])
    await stream.close(options)
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err))
    stream?.abort(error)
    // a peer that does not speak ping still answered the protocol negotiation
    if (error.name !== 'UnsupportedProtocolError') throw error
  }
}

/** What the heartbeat service takes from libp2p. */
export interface LivenessComponents {
  connectionManager: { getConnections(): Connection[] }
  logger: ComponentLogger
}

/** The heartbeat as a libp2p service: libp2p starts and stops it with the node. */
export function liveness(init: LivenessInit): (components: LivenessComponents) => Liveness {
  return (components) =>
    new Liveness(init, {
      connections: () => components.connectionManager.getConnections(),
      ping: pingConnection,
      log: components.logger.forComponent('peerdrive:liveness'),
    })
}
