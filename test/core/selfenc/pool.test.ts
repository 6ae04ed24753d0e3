import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'
import { SelfEncryptor } from '../../../main/core/selfenc/index.ts'
import { WorkerPool } from '../../../main/core/selfenc/pool.ts'
import { repoRoot, tempDir } from '../../helpers.ts'
import { MIB, newStore, pseudoRandom, same } from './fixtures.ts'

const run = promisify(execFile)
const moduleUrl = (path: string): string => pathToFileURL(join(repoRoot, path)).href

/** Runs `body` as an ES module in a fresh Node process; resolves with its stdout. */
async function inChild(dir: string, body: string): Promise<string> {
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`)
  await writeFile(
    script,
    `import { SelfEncryptor } from '${moduleUrl('main/core/selfenc/index.ts')}'\n` +
      `import { MemoryChunkStore } from '${moduleUrl('main/core/chunk-store.ts')}'\n` +
      `const data = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24)\n` +
      body,
  )
  const { stdout } = await run(process.execPath, [script], { timeout: 60_000 })
  return stdout
}

describe('worker pool', () => {
  it('lets a process exit when done, without close()', async (t) => {
    const dir = await tempDir(t)
    const out = await inChild(
      dir,
      `const enc = new SelfEncryptor({ workers: 2, poolMinBytes: 0 })\n` +
        `const map = await enc.encrypt(data, new MemoryChunkStore())\n` +
        `console.log('encrypted', map.size)\n`,
    )
    assert.equal(out.trim(), `encrypted ${6 * MIB}`)
  })

  it('keeps a process alive while work is in flight, with nothing else holding it', async (t) => {
    const dir = await tempDir(t)
    const out = await inChild(
      dir,
      `const enc = new SelfEncryptor({ workers: 2, poolMinBytes: 0 })\n` +
        `const store = new MemoryChunkStore()\n` +
        `enc.encrypt(data, store).then((map) => enc.decrypt(map, store)).then((back) => console.log('done', back.length))\n`,
    )
    assert.equal(out.trim(), `done ${6 * MIB}`)
  })

  it('close() rejects work in flight, and the encryptor restarts on next use', async () => {
    const enc = new SelfEncryptor({ workers: 2, poolMinBytes: 0 })
    const data = pseudoRandom(16 * MIB, 'close')
    const pending = assert.rejects(
      enc.encrypt(data, newStore()),
      (err: Error) => err.name === 'SelfEncryptorClosed',
    )
    await new Promise((r) => setTimeout(r, 5))
    await enc.close()
    await pending
    const store = newStore()
    const map = await enc.encrypt(data, store)
    assert.ok(same(await enc.decrypt(map, store), data))
    await enc.close()
  })

  it('starts its threads on first use and stops them on close', async () => {
    const pool = new WorkerPool(2)
    assert.equal(pool.started, 0)
    const plain = new Uint8Array(64).fill(1)
    const r = await pool.run<{ hash: Uint8Array }>(
      { op: 'hash', plain: { buf: plain.buffer, offset: 0, length: 64 } },
      [plain.buffer],
    )
    assert.equal(r.hash.byteLength, 32)
    assert.equal(pool.started, 2)
    await pool.close()
    assert.equal(pool.started, 0)
    await assert.rejects(
      pool.run({ op: 'hash', plain: { buf: new ArrayBuffer(1), offset: 0, length: 1 } }, []),
      {
        name: 'SelfEncryptorClosed',
      },
    )
  })

  it('rejects bad options', () => {
    assert.throws(() => new SelfEncryptor({ workers: -1 }), RangeError)
    assert.throws(() => new SelfEncryptor({ chunkSize: 100 }), RangeError)
    assert.throws(() => new SelfEncryptor({ chunkSize: 2 * MIB }), RangeError)
    assert.throws(() => new WorkerPool(0), RangeError)
  })
})
