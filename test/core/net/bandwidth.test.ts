// Upload and download limits: the token bucket alone, a vault answering GETs
// through it, and the drive's view of a real loopback network, where a put
// under a limit is compared with the same put unlimited in the same run.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { MemoryChunkStore, chunkAddress } from '../../../main/core/chunk-store.ts'
import { Bandwidth, TokenBucket, throttledServing, throttledStore } from '../../../main/core/net/bandwidth.ts'
import { startNodes, waitFor } from './support.ts'

const MiB = 2 ** 20

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await work()
  return performance.now() - start
}

test('a bucket passes everything at once when unlimited, and at its rate when limited', async () => {
  const bucket = new TokenBucket()
  const free = await timed(async () => {
    for (let i = 0; i < 64; i++) await bucket.take(MiB)
  })
  bucket.setRate(MiB)
  // a full second's burst, then three more seconds' worth
  const limited = await timed(async () => {
    for (let i = 0; i < 4; i++) await bucket.take(MiB)
  })
  console.log(`64 MiB unlimited: ${free.toFixed(0)} ms; 4 MiB at 1 MiB/s: ${limited.toFixed(0)} ms`)
  assert.ok(limited >= 2_000, `4 MiB at 1 MiB/s passed in ${limited.toFixed(0)} ms`)
})

test('a new limit applies to a transfer already waiting', async () => {
  const bucket = new TokenBucket(1024)
  await bucket.take(1024)
  let done = false
  // at 1 KiB/s this would wait about 1000 s
  void bucket.take(MiB).then(() => {
    done = true
  })
  await new Promise((r) => setImmediate(r))
  assert.equal(done, false)
  bucket.setRate(0)
  await waitFor(async () => done, 10_000, 'the waiting take to pass once the limit is lifted')
})

test('a vault serving GETs waits for upload room', async () => {
  const vault = new MemoryChunkStore()
  const chunks = Array.from({ length: 4 }, () => randomBytes(MiB))
  for (const c of chunks) await vault.put(chunkAddress(c), c)
  const bandwidth = new Bandwidth()
  const served = throttledServing(vault, bandwidth)
  const free = await timed(() => Promise.all(chunks.map((c) => served.get(chunkAddress(c)))))
  bandwidth.set({ upload: MiB })
  const limited = await timed(() => Promise.all(chunks.map((c) => served.get(chunkAddress(c)))))
  console.log(`serving 4 MiB unlimited: ${free.toFixed(0)} ms; at 1 MiB/s: ${limited.toFixed(0)} ms`)
  assert.ok(limited >= 2_000, `4 MiB served at 1 MiB/s in ${limited.toFixed(0)} ms`)
})

test('on a loopback network a limited put and get take longer than the same unlimited', async (t) => {
  const nodes = await startNodes(t, 4)
  const bandwidth = new Bandwidth()
  const store = throttledStore(nodes[0]!.network, bandwidth)
  const putAll = (chunks: Buffer[]) => Promise.all(chunks.map((c) => store.put(chunkAddress(c), c)))
  const fresh = () => Array.from({ length: 4 }, () => randomBytes(MiB))

  const first = fresh()
  const free = await timed(() => putAll(first))
  bandwidth.set({ upload: MiB })
  const limited = await timed(() => putAll(fresh()))
  console.log(
    `put of 4 MiB unlimited: ${free.toFixed(0)} ms; at 1 MiB/s: ${limited.toFixed(0)} ms (${(limited / free).toFixed(2)}×)`,
  )
  assert.ok(limited >= 2_000, `4 MiB put at 1 MiB/s in ${limited.toFixed(0)} ms`)

  const getFree = await timed(() => Promise.all(first.map((c) => store.get(chunkAddress(c)))))
  bandwidth.set({ upload: 0, download: MiB })
  const getLimited = await timed(() => Promise.all(first.map((c) => store.get(chunkAddress(c)))))
  console.log(`get of 4 MiB unlimited: ${getFree.toFixed(0)} ms; at 1 MiB/s: ${getLimited.toFixed(0)} ms`)
  assert.ok(getLimited >= 2_000, `4 MiB got at 1 MiB/s in ${getLimited.toFixed(0)} ms`)
})
