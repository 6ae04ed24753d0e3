// A vault process's young generation grows to V8's maximum (16–64 MiB per
// semi-space, by the machine's memory) while the process loads and compiles
// its modules, and V8 does not give it back on its own while the process idles:
// that was the largest part of an idle vault's memory. A full collection
// shrinks it again; one is run after start and then whenever the young
// generation has grown past a few MiB, at most once a minute (a few ms each on
// a vault's heap). Processes a testnet starts also cap it (--max-semi-space-size).
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

const GROWN_BYTES = 4 * 2 ** 20
const EVERY_MS = 60_000

type Gc = (options: { type: 'major'; execution: 'sync' }) => void

let gc: Gc | undefined

/** V8's collector, reached without starting node with --expose-gc. */
function collector(): Gc {
  if (!gc) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as Gc
  }
  return gc
}

function youngBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0
}

/** Gives back what the young generation grew to; returns a function that stops watching it. */
export function trimHeapWhileIdle(): () => void {
  const trim = () => {
    if (youngBytes() > GROWN_BYTES) collector()({ type: 'major', execution: 'sync' })
  }
  trim()
  const timer = setInterval(trim, EVERY_MS)
  timer.unref()
  return () => clearInterval(timer)
}
