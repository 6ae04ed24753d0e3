// An fsx-style exerciser on a real mount of a real Drive: 20,000 random reads,
// writes, mmap reads, mmap writes and truncates on one file of up to 4 MiB,
// closed and reopened every 5–15 operations, each read checked against a
// model. Uploads to the in-memory chunk store finish within milliseconds, so
// they keep finishing while the file is closed, reopened and written again.
// The drive's local state is on tmpfs when the machine has /dev/shm: the test
// is about the drive's logic, and fsync on a busy disk would make it slow.
//
// Node has no mmap, and a synchronous caller in this process would block the
// FUSE server, so the operations run in a python3 child (fixtures/fsx.py).
// Replay a failure with PEERDRIVE_FSX_SEED=<seed>; PEERDRIVE_FSX_OPS changes
// the count.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { KiB, MiB, RecentChunkStore, mountRealDrive } from './support.ts'

const exerciser = new URL('./fixtures/fsx.py', import.meta.url).pathname
const OPS = Number(process.env.PEERDRIVE_FSX_OPS ?? 20_000)
const MAX_SIZE = Number(process.env.PEERDRIVE_FSX_MAX_SIZE ?? 4 * MiB)
const MAX_OP_LEN = Number(process.env.PEERDRIVE_FSX_MAX_OP_LEN ?? 64 * KiB)

interface FsxResult {
  ok: boolean
  seed: number
  ops?: number
  counts?: Record<string, number>
  /** Seconds spent in each kind of operation. */
  seconds?: Record<string, number>
  size?: number
  sha256?: string
  step?: number
  kind?: string
  detail?: string
  last_ops?: string[]
}

/** Runs the exerciser to the end; its one JSON line, whether it passed or not. */
function runFsx(file: string, seed: number): Promise<{ result: FsxResult; stderr: string }> {
  const args = [exerciser, file, String(seed), String(OPS), String(MAX_SIZE), String(MAX_OP_LEN)]
  return new Promise((resolve, reject) => {
    execFile('python3', args, { maxBuffer: 4 * MiB }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        resolve({ result: JSON.parse(line) as FsxResult, stderr })
      } catch {
        reject(new Error(`fsx.py (seed ${seed}) gave no result: ${err?.message ?? ''}\n${stdout}\n${stderr}`))
      }
    })
  })
}

test('fsx: 20,000 random read/write/mmap/truncate ops with close and reopen match the model, no EIO', async (t) => {
  const seed = Number(process.env.PEERDRIVE_FSX_SEED ?? Math.floor(Math.random() * 2 ** 31))
  t.diagnostic(`fsx seed ${seed} (replay with PEERDRIVE_FSX_SEED=${seed})`)
  console.log(`fsx seed ${seed}`)
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'peerdrive-fsx-'))
  // thousands of uploads of a file of up to 4 MiB: keep the latest, not every version
  const chunks = new RecentChunkStore(256 * MiB)
  const { mnt, fs, logs } = await mountRealDrive(t, { dir, chunks })
  const started = Date.now()
  const { result, stderr } = await runFsx(join(mnt, 'fsx.bin'), seed)
  const seconds = (Date.now() - started) / 1000
  t.diagnostic(
    `fsx: ${JSON.stringify(result.counts ?? {})} in ${seconds.toFixed(1)} s, by kind ${JSON.stringify(result.seconds ?? {})}`,
  )
  const eio = logs.filter((line) => /answered EIO/.test(line))
  assert.ok(
    result.ok,
    `fsx seed ${seed} failed at op ${result.step} (${result.kind}): ${result.detail}\n` +
      `last ops:\n  ${(result.last_ops ?? []).join('\n  ')}\n` +
      `drive log:\n  ${logs.slice(-10).join('\n  ')}\n${stderr}`,
  )
  assert.deepEqual(eio, [], `seed ${seed}: the drive answered EIO`)

  // Once uploaded and read back through the network, the file is still the model.
  assert.ok(await fs.syncAll(60_000), 'the drive uploads the file')
  const back = await readFile(join(mnt, 'fsx.bin'))
  assert.equal(back.length, result.size)
  assert.equal(
    createHash('sha256').update(back).digest('hex'),
    result.sha256,
    `seed ${seed}: content after sync`,
  )
})
