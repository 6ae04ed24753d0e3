// `peerdrive up` as a user on a fresh machine runs it: a home that does not
// exist yet, joining an existing network or starting its own local one.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { repoRoot, tempDir } from '../helpers.ts'
import { startNodes, waitFor } from '../core/net/support.ts'

const bin = join(repoRoot, 'main', 'bin.mjs')

/** `peerdrive up` as a child process with PEERDRIVE_HOME set; killed when the test ends. */
function up(t: TestContext, home: string, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [bin, 'up', ...args], {
    env: { ...process.env, PEERDRIVE_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.after(async () => {
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))])
    child.kill('SIGKILL')
  })
  const started = async () => {
    await waitFor(() => /Press Ctrl-C/.test(output) || child.exitCode !== null, 120_000, 'up to start')
    assert.equal(child.exitCode, null, output)
  }
  return { child, started, output: () => output }
}

/** Every file and directory under `dir` (itself included) that the group or others may use. */
async function openToOthers(dir: string): Promise<string[]> {
  const paths = [dir, ...(await readdir(dir, { recursive: true })).map((p) => join(dir, p))]
  const open: string[] = []
  for (const path of paths) {
    const s = await stat(path).catch(() => undefined) // a journal may come and go meanwhile
    if (s && (s.mode & 0o077) !== 0) open.push(`${(s.mode & 0o777).toString(8)} ${path}`)
  }
  return open
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // an orphan nobody reaps (PID 1 of a container may not) has ended all the same
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

test('up --bootstrap on a fresh machine makes its home, private, and joins the network', async (t) => {
  const vaults = await startNodes(t, 4)
  const dir = await tempDir(t)
  const home = join(dir, 'new', 'peerdrive') // neither exists yet
  const mount = join(dir, 'mnt')
  await mkdir(mount)
  const boot = vaults[0]!.multiaddrs()[0]!
  // the test network's vaults carry no id work (net/id-work.ts), so this node asks none of them
  const node = up(t, home, [
    '--bootstrap',
    boot,
    '--id-work',
    '0',
    '--vault',
    join(dir, 'vault'),
    '--mount',
    mount,
  ])
  await node.started()
  assert.match(node.output(), /4 vault peers/)
  const api = JSON.parse(await readFile(join(home, 'api.json'), 'utf8')) as { port: number }
  assert.ok(api.port > 0)
  assert.deepEqual(await openToOthers(home), [])
  assert.deepEqual(await openToOthers(join(dir, 'vault')), [])
})

test('a local network: its home is private, and its vaults end when up is killed', async (t) => {
  const dir = await tempDir(t)
  const home = join(dir, 'home')
  const mount = join(dir, 'mnt')
  await mkdir(mount)
  const node = up(t, home, ['--mount', mount, '--local-nodes', '3'])
  const manifest = join(home, 'local-network', 'testnet.json')
  let pids: number[] = []
  // a vault left behind must not outlive the test either
  t.after(() => pids.filter(isRunning).forEach((pid) => process.kill(pid, 'SIGKILL')))
  await node.started()
  pids = (JSON.parse(await readFile(manifest, 'utf8')) as { nodes: { pid: number }[] }).nodes.map(
    (n) => n.pid,
  )
  assert.equal(pids.length, 3)
  assert.ok(pids.every(isRunning))
  assert.deepEqual(await openToOthers(home), [])

  node.child.kill('SIGKILL')
  await waitFor(() => !pids.some(isRunning), 60_000, 'the local vaults to end with their parent')
})
