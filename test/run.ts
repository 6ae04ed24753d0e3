// `npm test`: runs every test file with Node's test runner, under a watchdog.
//
// A test that deadlocks on a FUSE mount (a process blocked in the kernel on a
// mount whose server is itself stuck) never times out from the inside: the
// stuck process cannot run its own timers, and the runner waits for it
// forever. The watchdog turns such a hang into a failure that says what was
// still running: it prints the process tree and the FUSE mounts, aborts the
// FUSE connections of the mounts the tests made (which wakes every process
// blocked on them), kills the runner's process group and exits non-zero.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { ensureDashboardBuilt } from '../main/build/dashboard.ts'

const WATCHDOG_MS = Number(process.env.PEERDRIVE_TEST_WATCHDOG_MS ?? 40 * 60_000)
/** No single test may run longer than this; a test that does fails with a timeout. */
const TEST_TIMEOUT_MS = 10 * 60_000

const files = process.argv.slice(2)
// The dashboard is built before any test starts: a build running beside the
// multi-process network tests would starve their heartbeats of CPU.
ensureDashboardBuilt((line) => console.log(line))
const runner = spawn(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    ...(files.length ? files : ['test/**/*.test.ts']),
  ],
  { stdio: 'inherit', detached: true },
)

const watchdog = setTimeout(() => {
  console.error(
    `\ntest watchdog: the tests were still running after ${(WATCHDOG_MS / 60_000).toFixed(1)} min; what was running:`,
  )
  const ps = spawnSync('ps', ['-eo', 'pid,ppid,pgid,stat,etime,wchan:24,args', '--forest'], {
    encoding: 'utf8',
  })
  // the processes of the tests (and anything stuck in the kernel), one short line each
  const lines = (ps.stdout ?? '').split('\n').filter((l, i) => i === 0 || /node| D/.test(l))
  console.error(
    lines.map((l) => (l.length > 240 ? `${l.slice(0, 100)} … ${l.slice(-130)}` : l)).join('\n') ||
      ps.error?.message,
  )
  for (const mount of testFuseMounts()) {
    console.error(`test watchdog: aborting FUSE connection ${mount.connection} of ${mount.path}`)
    try {
      writeFileSync(`/sys/fs/fuse/connections/${mount.connection}/abort`, '1')
    } catch (err) {
      console.error(`test watchdog: could not abort it: ${(err as Error).message}`)
    }
  }
  killGroup()
  process.exit(1)
}, WATCHDOG_MS)

function killGroup(): void {
  try {
    process.kill(-runner.pid!, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** FUSE mounts below the temp dir (where every test mounts), with their connection ids. */
function testFuseMounts(): { path: string; connection: string }[] {
  const tmp = tmpdir()
  let connections: Set<string>
  try {
    connections = new Set(readdirSync('/sys/fs/fuse/connections'))
  } catch {
    return []
  }
  const mounts: { path: string; connection: string }[] = []
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // mountinfo: id parent major:minor root mountpoint options … - fstype source …
    const [left, right] = line.split(' - ')
    const fields = left?.split(' ') ?? []
    const fstype = right?.split(' ')[0] ?? ''
    const minor = fields[2]?.split(':')[1]
    const path = fields[4] ?? ''
    if (fstype.startsWith('fuse') && path.startsWith(tmp) && minor && connections.has(minor)) {
      mounts.push({ path, connection: minor })
    }
  }
  return mounts
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killGroup()
    process.exit(1)
  })
}

runner.on('exit', (code, signal) => {
  clearTimeout(watchdog)
  process.exit(code ?? (signal ? 1 : 0))
})
