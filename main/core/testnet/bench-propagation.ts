// `peerdrive bench fuse`'s propagation: how long a file written into one
// device's mount takes to be readable on a second device of the same drive
// (its own local state, following the root record as every device does).
// Both devices share the bench's node, so what is measured is the drive's
// path — commit delay, upload, root record, poll, merge — not a second
// machine's network distance.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Drive } from '../drive/index.ts'
import { median } from './stats.ts'

export interface PropagationResult {
  /** Write into the first device's mount until the second reads the same bytes, median ms. */
  propagation_ms_p50: number
}

const ROUNDS = 5
const TIMEOUT_MS = 120_000

export interface PropagationOptions {
  /** The mount of the device written on. */
  mountDir: string
  /** Opens a second device of the same drive; closed when the measurement ends. */
  openOther(): Promise<Drive>
  log: (line: string) => void
}

export async function benchPropagation(opts: PropagationOptions): Promise<PropagationResult> {
  const other = await opts.openOther()
  try {
    opts.log(`drive: a small file written into the mount until a second device reads it, ${ROUNDS} rounds`)
    const times: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const name = `propagation-${round}.txt`
      const body = `written at ${Date.now()} in round ${round}`
      const t0 = performance.now()
      // Asynchronous: this process serves the mount.
      await writeFile(join(opts.mountDir, name), body)
      while ((await readOn(other, `/${name}`)) !== body) {
        if (performance.now() - t0 > TIMEOUT_MS)
          throw new Error(`bench fuse: ${name} did not reach the second device in ${TIMEOUT_MS / 1000} s`)
        await new Promise((r) => setTimeout(r, 20))
      }
      times.push(performance.now() - t0)
    }
    opts.log(`drive: propagation ms ${times.map((t) => t.toFixed(0)).join(', ')}`)
    return { propagation_ms_p50: Number(median(times).toFixed(0)) }
  } finally {
    await other.close()
  }
}

async function readOn(drive: Drive, path: string): Promise<string | undefined> {
  try {
    const size = (await drive.getattr(path)).size
    const fh = await drive.open(path, { write: false })
    try {
      return Buffer.from(await drive.read(fh, 0, size)).toString()
    } finally {
      await drive.release(fh)
    }
  } catch {
    return undefined
  }
}
