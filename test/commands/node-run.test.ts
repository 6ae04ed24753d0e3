// `peerdrive node run --with-parent`: a vault that another process owns ends
// with that process, however it ended.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { repoRoot, tempDir } from '../helpers.ts'
import { waitFor } from '../core/net/support.ts'

const bin = join(repoRoot, 'main', 'bin.mjs')

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    // an orphan nobody reaps (PID 1 of a container may not) has ended all the same
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

// The parent starts the vault, hands its end of the vault's stdin on to a
// long-lived helper (as a forked helper process would inherit it), then dies
// by SIGKILL: the pipe never closes, yet the vault must notice and end.
const PARENT = `
import { spawn } from 'node:child_process'
const [bin, vault] = process.argv.slice(1)
const node = spawn(process.execPath, [bin, 'node', 'run', '--vault', vault, '--events', '--with-parent'], {
  stdio: ['pipe', 'pipe', 'ignore'],
  detached: true,
})
node.stdout.once('data', () => {
  const holder = spawn('sleep', ['600'], { stdio: [node.stdin, 'ignore', 'ignore'], detached: true })
  process.stdout.write(JSON.stringify({ vault: node.pid, holder: holder.pid }) + '\\n', () =>
    process.kill(process.pid, 'SIGKILL'),
  )
})
`

test('a vault with --with-parent ends when its parent is killed, even while its pipe stays open', async (t) => {
  const dir = await tempDir(t)
  const parent = spawn(process.execPath, ['--input-type=module', '-e', PARENT, bin, join(dir, 'vault')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: parent.stdout! }).once('line', resolve)
    parent.once('exit', (code, signal) => reject(new Error(`parent ended (${signal ?? code}) early`)))
  })
  const { vault, holder } = JSON.parse(line) as { vault: number; holder: number }
  t.after(() => {
    for (const pid of [vault, holder]) if (isRunning(pid)) process.kill(pid, 'SIGKILL')
  })
  await waitFor(() => parent.exitCode !== null || parent.signalCode !== null, 30_000, 'the parent to die')
  assert.ok(isRunning(holder), 'the pipe to the vault is still held open')
  await waitFor(() => !isRunning(vault), 60_000, 'the vault to end with its parent')
})
