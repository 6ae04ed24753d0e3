// closeStream: a stream that closes while close() waits for its queued bytes
// rejects with an Error that says why, never with the bare close event.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { StreamCloseEvent } from '@libp2p/interface'
import type { Stream } from '@libp2p/interface'
import { StreamClosedWhileSendingError, closeStream } from '../../../main/core/net/stream-close.ts'

function closingWith(reason: unknown): Stream {
  return { close: () => Promise.reject(reason) } as unknown as Stream
}

test('a close event in place of an error becomes an Error carrying its reason', async () => {
  const cut = new Error('connection aborted: ping timed out')
  await assert.rejects(closeStream(closingWith(new StreamCloseEvent(false, cut))), (err: unknown) => {
    assert.ok(err instanceof StreamClosedWhileSendingError)
    assert.match(err.message, /closed before its last bytes were sent: connection aborted: ping timed out/)
    assert.equal(err.cause, cut)
    return true
  })
  await assert.rejects(
    closeStream(closingWith(new StreamCloseEvent(false))),
    /the stream closed before its last bytes were sent$/,
  )
})

test('errors pass through as they are, and a clean close resolves', async () => {
  const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
  await assert.rejects(closeStream(closingWith(timeout)), (err) => err === timeout)
  await closeStream({ close: () => Promise.resolve() } as unknown as Stream)
})
