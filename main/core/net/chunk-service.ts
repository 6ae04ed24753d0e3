// Answers chunk requests from peers out of the local vault. Pure request →
// response logic; the stream handling around it lives in the protocol file.
import type { ChunkStore } from '../chunk-store.ts'
import { failureName } from '../errors.ts'
import type { Request, Response } from './messages.ts'
import { encodeAddressList } from './messages.ts'

export interface ChunkHolder extends ChunkStore {
  /** Held addresses in ascending order, after `after` (exclusive), at most `limit`. */
  listAddresses(after: Uint8Array | null, limit: number): Uint8Array[]
}

export async function answerChunkRequest(vault: ChunkHolder, req: Request): Promise<Response> {
  try {
    switch (req.type) {
      case 'put':
        // the store checks the bytes against the address (ChunkStore's contract)
        await vault.put(req.address, req.bytes)
        return { status: 'ok' }
      case 'get':
        return { status: 'ok', bytes: await vault.get(req.address) }
      case 'has':
        return (await vault.has(req.address)) ? { status: 'ok' } : { status: 'not-found', reason: 'not held' }
      case 'list':
        return { status: 'ok', bytes: encodeAddressList(vault.listAddresses(req.after, req.limit)) }
      case 'replicate':
        // needs the network: the chunk protocol's handler answers it when the node serves it
        return { status: 'bad-request', reason: 'replicate is not served here' }
    }
  } catch (err) {
    const name = failureName(err)
    if (name === 'VaultFull') return { status: 'full', reason: (err as Error).message }
    if (name === 'ChunkMissing' || name === 'ChunkCorrupt') return { status: 'not-found', reason: name }
    if (name === 'ChunkHashMismatch') return { status: 'bad-hash', reason: (err as Error).message }
    return { status: 'failed', reason: name }
  }
}
