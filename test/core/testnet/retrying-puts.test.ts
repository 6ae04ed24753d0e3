// The benchmarks' retrying chunk store: a put that fails is tried again and
// counted; one that keeps failing fails after its attempts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryChunkStore, chunkAddress } from '../../../main/core/chunk-store.ts'
import { retryingPuts } from '../../../main/core/testnet/retrying-puts.ts'

test('a failed put is tried again and counted; one that keeps failing fails', async () => {
  const memory = new MemoryChunkStore()
  let failures = 2
  const flaky = {
    ...memory,
    get: memory.get.bind(memory),
    has: memory.has.bind(memory),
    delete: memory.delete.bind(memory),
    put: async (address: Uint8Array, bytes: Uint8Array) => {
      if (failures-- > 0) throw new Error('no vault accepted it')
      await memory.put(address, bytes)
    },
  }
  const lines: string[] = []
  const store = retryingPuts(flaky, { delayMs: 1, log: (l) => lines.push(l) })
  const bytes = Buffer.from('a chunk')
  await store.put(chunkAddress(bytes), bytes)
  assert.equal(store.retries, 2)
  assert.deepEqual(Buffer.from(await store.get(chunkAddress(bytes))), bytes)
  assert.match(lines[0]!, /a put failed \(no vault accepted it\)/)

  failures = 10
  const other = Buffer.from('another')
  await assert.rejects(
    retryingPuts(flaky, { attempts: 3, delayMs: 1 }).put(chunkAddress(other), other),
    /no vault/,
  )
  assert.equal(await memory.has(chunkAddress(other)), false)
})
