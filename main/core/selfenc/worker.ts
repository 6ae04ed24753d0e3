// A chunk worker: runs the per-chunk work of chunk-cipher.ts off the calling
// thread so hashing and sealing use every core. It holds no state between
// messages; the pool decides what runs where. Input buffers go back with the
// reply so the caller can reuse them.
import { parentPort } from 'node:worker_threads'
import { openChunk, sealChunk, sha256 } from './chunk-cipher.ts'
import type { HashResult, OpenResult, SealResult, WorkerReply, WorkerRequest } from './wire.ts'
import { errorToWire, fromWire, moveOrCopy, moveWhole } from './wire.ts'

if (!parentPort) throw new Error('selfenc worker.ts must run in a worker thread')
const port = parentPort

function handle(req: WorkerRequest): {
  result: HashResult | SealResult | OpenResult
  transfer: ArrayBuffer[]
} {
  switch (req.op) {
    case 'hash': {
      return { result: { hash: sha256(fromWire(req.plain)), plain: req.plain }, transfer: [req.plain.buf] }
    }
    case 'seal': {
      const sealed = sealChunk(fromWire(req.plain), req.ikm)
      // sealChunk returns a buffer of its own (see chunk-cipher.ts).
      const chunk = moveWhole(sealed.chunk)
      return {
        result: { chunk, address: sealed.address, spent: req.plain.buf },
        transfer: [chunk.buf, req.plain.buf],
      }
    }
    case 'open': {
      // openChunk's plaintext is always a new buffer, never a view of the chunk.
      const plain = moveOrCopy(openChunk(fromWire(req.chunk), req))
      return { result: { plain, spent: req.chunk.buf }, transfer: [plain.buf, req.chunk.buf] }
    }
  }
}

port.on('message', (msg: { id: number; req: WorkerRequest }) => {
  let reply: WorkerReply
  let transfer: ArrayBuffer[] = []
  try {
    const done = handle(msg.req)
    reply = { id: msg.id, ok: true, result: done.result }
    transfer = done.transfer
  } catch (err) {
    reply = { id: msg.id, ok: false, error: errorToWire(err) }
  }
  port.postMessage(reply, transfer)
})
