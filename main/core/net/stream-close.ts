// libp2p's stream.close() waits for the bytes still queued to go out, and if
// the stream closes meanwhile (its connection aborted by a missed heartbeat,
// a reset from the peer) it rejects with the stream's 'close' event itself,
// not an Error: callers would see "[object Event]" and lose the reason.
import type { AbortOptions, Stream } from '@libp2p/interface'

export class StreamClosedWhileSendingError extends Error {
  constructor(cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : ''
    super(`the stream closed before its last bytes were sent${why}`, { cause })
    this.name = 'StreamClosedWhileSendingError'
  }
}

/** Closes the writing end; a close event in place of an error becomes an Error with its reason. */
export async function closeStream(stream: Stream, options?: AbortOptions): Promise<void> {
  try {
    await stream.close(options)
  } catch (err) {
    if (err instanceof Error) throw err
    throw new StreamClosedWhileSendingError((err as { error?: unknown } | undefined)?.error)
  }
}
