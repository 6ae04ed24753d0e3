// The account CLI contract, run as scripts run it: `peerdrive up` on a real
// network with a real FUSE mount, credentials from the environment, and the
// real argon2id cost.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import { detachMount } from '../../native/mount-point.ts'
import { repoRoot } from '../helpers.ts'
import { startNodes, waitFor } from '../core/net/support.ts'

const execFileP = promisify(execFile)
const bin = join(repoRoot, 'main', 'bin.mjs')
const creds = { PEERDRIVE_KEYWORD: 'harbour', PEERDRIVE_PIN: '2718', PEERDRIVE_PASSWORD: 'tide tables 42' }

interface Outcome {
  code: number
  stdout: string
  stderr: string
}

async function cli(home: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [bin, ...args], {
      env: { ...process.env, PEERDRIVE_HOME: home, ...env },
      timeout: 180_000,
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** `peerdrive up` as a child process; stopped with SIGTERM (flush, unmount) when the test ends. */
async function up(t: TestContext, boot: string, extra: string[] = [], env: Record<string, string> = {}) {
  // not tempDir(t): the mount must be gone before the directory is removed
  const home = await mkdtemp(join(tmpdir(), 'peerdrive-test-'))
  const mount = join(home, 'mnt')
  await mkdir(mount)
  const child: ChildProcess = spawn(
    process.execPath,
    // the test network's vaults carry no id work: neither need this node's
    [
      bin,
      'up',
      '--vault',
      join(home, 'vault'),
      '--mount',
      mount,
      '--bootstrap',
      boot,
      '--id-work',
      '0',
      ...extra,
    ],
    { env: { ...process.env, PEERDRIVE_HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.after(async () => {
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))])
    child.kill('SIGKILL')
    await detachMount(mount).catch(() => {})
    await rm(home, { recursive: true, force: true })
  })
  await waitFor(() => /Press Ctrl-C/.test(output) || child.exitCode !== null, 120_000, 'up to start')
  assert.equal(child.exitCode, null, output)
  return { home, mount, output: () => output }
}

async function status(home: string): Promise<{ mounted: boolean; sync: { state: string } }> {
  const r = await cli(home, ['status', '--json'])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}

test('account create, logout, login and passwd through the CLI; wrong PIN and password fail alike', async (t) => {
  // `up` pays for its drive's chunks: these vaults keep only paid ones, and back a vault at once
  const vaults = await startNodes(t, 5, { paidStorage: true, farming: { clientMinAgeMs: 0 } })
  const boot = vaults[0]!.multiaddrs()[0]!
  const a = await up(t, boot)
  assert.match(a.output(), /No account is open/)
  assert.equal((await status(a.home)).mounted, false)

  const created = await cli(a.home, ['account', 'create', '--json'], creds)
  assert.equal(created.code, 0, created.stderr)
  const id = JSON.parse(created.stdout).account_id as string
  assert.match(id, /^[0-9a-f]{64}$/)
  assert.equal((await status(a.home)).mounted, true)
  const body = randomBytes(200_000)
  await writeFile(join(a.mount, 'report.bin'), body)
  await waitFor(async () => (await status(a.home)).sync.state === 'synced', 60_000, 'sync')

  const out = await cli(a.home, ['account', 'logout'])
  assert.equal(out.code, 0, out.stderr)
  assert.match(out.stdout, /Logged out/)
  assert.equal((await status(a.home)).mounted, false)

  const wrongPin = await cli(a.home, ['account', 'login'], { ...creds, PEERDRIVE_PIN: '2719' })
  const wrongPassword = await cli(a.home, ['account', 'login'], {
    ...creds,
    PEERDRIVE_PASSWORD: 'tide tables 43',
  })
  for (const r of [wrongPin, wrongPassword]) {
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'peerdrive: no account with these credentials\n')
  }
  const noTerminal = await cli(a.home, ['account', 'login'], { PEERDRIVE_KEYWORD: 'harbour' })
  assert.equal(noTerminal.code, 2)
  assert.match(noTerminal.stderr, /set PEERDRIVE_PIN/)

  const passwd = await cli(a.home, ['account', 'passwd'], { ...creds, PEERDRIVE_NEW_PASSWORD: 'new tide 43' })
  assert.equal(passwd.code, 0, passwd.stderr)
  assert.equal((await cli(a.home, ['account', 'login'], creds)).code, 1, 'the old password')
  const login = await cli(a.home, ['account', 'login', '--json'], {
    ...creds,
    PEERDRIVE_PASSWORD: 'new tide 43',
  })
  assert.equal(login.code, 0, login.stderr)
  // every key rotates with the password, the account id with them; the drive is the same
  const rotated = JSON.parse(login.stdout).account_id as string
  assert.match(rotated, /^[0-9a-f]{64}$/)
  assert.notEqual(rotated, id)
  assert.deepEqual(await readFile(join(a.mount, 'report.bin')), body)

  // another machine: up --login with the same credentials mounts the same drive
  const b = await up(t, boot, ['--login'], { ...creds, PEERDRIVE_PASSWORD: 'new tide 43' })
  assert.match(b.output(), new RegExp(`Account ${rotated} is open`))
  assert.deepEqual(await readFile(join(b.mount, 'report.bin')), body)
})
