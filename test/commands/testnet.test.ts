// `peerdrive testnet --per-process`: vaults sharing processes, progress lines,
// and one vault of a shared process ended by a kill line on stdin.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import { repoRoot, tempDir } from '../helpers.ts'
import { waitFor } from '../core/net/support.ts'

const bin = join(repoRoot, 'main', 'bin.mjs')

interface Manifest {
  bootstrap: string[]
  nodes: { peerId: string; pid: number; multiaddr: string; vault: string }[]
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Whether a TCP connection to a /ip4/…/tcp/… address opens within 5 s. */
function listening(multiaddr: string): Promise<boolean> {
  const [, , host, , port] = multiaddr.split('/')
  return new Promise((resolve) => {
    const socket = connect(Number(port), host!)
    socket.setTimeout(5_000, () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test('testnet --per-process runs vaults two to a process, says how far it got, and ends one vault on a kill line', async (t) => {
  const dir = await tempDir(t)
  const testnet = spawn(
    process.execPath,
    [bin, 'testnet', '--nodes', '4', '--per-process', '2', '--dir', dir],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  t.after(() => testnet.kill('SIGKILL'))
  let out = ''
  let err = ''
  testnet.stdout.on('data', (d: Buffer) => (out += d.toString()))
  testnet.stderr.on('data', (d: Buffer) => (err += d.toString()))
  await waitFor(() => out.includes('running'), 180_000, 'the testnet to run')
  assert.match(out, /testnet of 4 nodes in 2 processes running/)
  assert.match(err, /started 4\/4/)
  const manifest = JSON.parse(await readFile(join(dir, 'testnet.json'), 'utf8')) as Manifest
  const [a, b, c, d] = manifest.nodes
  assert.ok(a && b && c && d)
  assert.equal(a.pid, b.pid)
  assert.equal(c.pid, d.pid)
  assert.notEqual(a.pid, c.pid)
  for (const n of manifest.nodes) assert.ok(await listening(n.multiaddr), `${n.vault} listens`)

  testnet.stdin.write(`kill ${d.peerId}\n`)
  await waitFor(() => out.includes(`killed ${d.peerId}`), 30_000, 'the kill to be acknowledged')
  await waitFor(async () => !(await listening(d.multiaddr)), 60_000, 'the killed vault to stop listening')
  assert.ok(await listening(c.multiaddr), 'the vault that shared its process still listens')
  assert.ok(alive(c.pid))

  const exited = new Promise((r) => testnet.once('exit', r))
  testnet.kill('SIGTERM')
  await exited
  await waitFor(() => !alive(a.pid) && !alive(c.pid), 30_000, 'every vault process to end')
})
