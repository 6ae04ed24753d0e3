// The testnet and net CLI contract, run as scripts run it.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import { repoRoot, tempDir } from '../helpers.ts'
import { waitFor } from '../core/net/support.ts'

const run = promisify(execFile)
const bin = join(repoRoot, 'main', 'bin.mjs')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

type Manifest = {
  bootstrap: string[]
  nodes: { peerId: string; pid: number; multiaddr: string; vault: string }[]
}

/** A testnet started as a script starts it, and its manifest once written. */
async function startTestnet(t: TestContext, dir: string, extra: string[] = []) {
  const testnet = spawn(process.execPath, [bin, 'testnet', '--nodes', '5', '--dir', dir, ...extra], {
    stdio: 'ignore',
  })
  t.after(() => testnet.kill('SIGKILL'))
  const manifestPath = join(dir, 'testnet.json')
  let manifest: Manifest | undefined
  await waitFor(
    async () => {
      manifest = await readFile(manifestPath, 'utf8')
        .then(JSON.parse)
        .catch(() => undefined)
      return manifest !== undefined
    },
    30_000,
    'testnet.json',
  )
  return { testnet, manifest: manifest! }
}

test('testnet writes its manifest, serves net put/get/audit, and stops every node on SIGTERM', async (t) => {
  const dir = await tempDir(t)
  // `net put` is a bare client with no account: this network stores without tickets
  const { testnet, manifest } = await startTestnet(t, dir, ['--free-storage'])
  assert.equal(manifest.nodes.length, 5)
  for (const node of manifest.nodes) {
    assert.match(node.multiaddr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)
    assert.ok(node.multiaddr.endsWith(node.peerId))
    assert.ok(alive(node.pid))
    assert.ok(node.vault.startsWith(dir))
  }
  const boot = manifest.bootstrap[0]!

  const original = randomBytes(3 * 2 ** 20 + 4321)
  await writeFile(join(dir, 'in.bin'), original)
  const put = await run(process.execPath, [bin, 'net', 'put', join(dir, 'in.bin'), '--bootstrap', boot])
  const handle = put.stdout.trim()
  assert.equal(handle.split('\n').length, 1)
  await run(process.execPath, [bin, 'net', 'get', handle, '--bootstrap', boot, '--out', join(dir, 'out.bin')])
  assert.ok(original.equals(await readFile(join(dir, 'out.bin'))))

  // a put the loaded machine could only place three times is reported degraded, and the
  // holders' audit (every 5 s on a testnet) brings it to four: the audit is asked until then
  let audit: { chunks: number; min_copies: number; under_replicated: number } | undefined
  await waitFor(
    async () => {
      audit = JSON.parse(
        (await run(process.execPath, [bin, 'net', 'audit', '--bootstrap', boot, '--json'])).stdout,
      )
      return audit!.min_copies === 4
    },
    60_000,
    'four copies of every chunk',
  )
  assert.ok(audit!.chunks >= 3)
  assert.equal(audit!.under_replicated, 0)

  const exited = new Promise((r) => testnet.once('exit', r))
  testnet.kill('SIGTERM')
  await exited
  for (const node of manifest.nodes) assert.ok(!alive(node.pid), `node ${node.pid} still running`)
})

test('net commands refuse a bad bootstrap address with one line', async () => {
  const r = await run(process.execPath, [bin, 'net', 'audit', '--bootstrap', 'not-an-address']).then(
    () => assert.fail('should fail'),
    (e: { code: number; stderr: string }) => e,
  )
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, /^peerdrive: not a peer multiaddr/)
  assert.doesNotMatch(r.stderr, /\n\s+at /)
})

test('where storage is paid, net put from a client with no account is refused in one line', async (t) => {
  const dir = await tempDir(t)
  const { manifest } = await startTestnet(t, dir)
  await writeFile(join(dir, 'in.bin'), randomBytes(100_000))
  const put = await run(process.execPath, [
    bin,
    'net',
    'put',
    join(dir, 'in.bin'),
    '--bootstrap',
    manifest.bootstrap[0]!,
  ]).then(
    () => undefined,
    (err: { code: number; stderr: string; stdout: string }) => err,
  )
  assert.ok(put, 'the put fails')
  assert.notEqual(put.code, 0)
  assert.equal(put.stdout, '', 'no handle is printed')
  const lines = put.stderr.trim().split('\n')
  assert.equal(lines.length, 1, put.stderr)
  assert.match(lines[0]!, /storage is not paid for: a PUT needs a ticket from the account's balance group/)
})
