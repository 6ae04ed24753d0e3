import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fromHex } from '../../../main/core/chunk-store.ts'
import { Vault } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { assertIndexMatchesDisk } from './support.ts'

const writer = new URL('./fixtures/crash-writer.ts', import.meta.url).pathname

/** Runs the writer against `dir`, SIGKILLs it `afterMs` after it is ready, and returns its stdout lines. */
async function runAndKill(dir: string, afterMs: number): Promise<string[]> {
  const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s))
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  )
  const deadline = Date.now() + 20_000
  while (!out.startsWith('ready\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`writer did not start: ${err}`)
    await sleep(5)
  }
  await sleep(afterMs)
  child.kill('SIGKILL')
  assert.equal(await exited, 'SIGKILL', `writer died on its own: ${err}`)
  // Only whole lines were acknowledged; a line cut by the kill was not.
  return out.slice(0, out.lastIndexOf('\n')).split('\n').slice(1)
}

test('after SIGKILL mid-write the vault reopens with index and disk agreeing and every acknowledged chunk intact', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const acknowledged = new Set<string>()
  let recovered = 0
  for (let round = 0; round < 6; round++) {
    const lines = await runAndKill(dir, randomInt(40, 400))
    for (const line of lines) {
      const hex = line.slice(1)
      if (line[0] === '+') acknowledged.add(hex)
      else acknowledged.delete(hex) // '~' or '-': the chunk may be gone after the kill
    }

    const vault = await Vault.open(dir)
    try {
      const r = vault.recovery
      recovered += r.tmpCleared + r.rowsDropped + r.adopted + r.deleted
      const held = await assertIndexMatchesDisk(vault)
      assert.deepEqual(await readdir(join(dir, 'tmp')), [])
      for (const hex of acknowledged) {
        assert.ok(held.has(hex), `acknowledged chunk ${hex} is missing after round ${round}`)
        await vault.get(fromHex(hex)) // verifies the bytes against the address
      }
      assert.equal(vault.stats().chunks, held.size)
      // Chunks the writer had in flight but not acknowledged may survive; they count as held from now on.
      for (const hex of held) acknowledged.add(hex)
    } finally {
      await vault.close()
    }
  }
  t.diagnostic(`${acknowledged.size} chunks held; recovery repaired ${recovered} leftovers over 6 kills`)
})
