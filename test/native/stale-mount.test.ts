// A mount left behind by a crashed process: detected, detached, mounted again.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFile, readdir, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { mountDrive } from '../../main/core/fuse/index.ts'
import type { MountedDrive } from '../../main/core/fuse/index.ts'
import { cleanStaleMount, isMounted, prepareMountPoint, probeMount } from '../../native/fuse.ts'
import { MemoryDriveFs } from '../core/fuse/memory-drive-fs.ts'
import { codeOf } from '../core/fuse/support.ts'
import { tempDir } from '../helpers.ts'

const fixture = new URL('./fixtures/mount-child.ts', import.meta.url).pathname

/** A child process serving a drive at `mnt`, once it says it is ready. */
async function serveFromChild(mnt: string, mode: 'wait' | 'exit'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture, mnt, mode], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s))
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s))
  const deadline = Date.now() + 20_000
  while (!out.startsWith('ready\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`child did not mount: ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return child
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** The temp dir and a slot for a drive mounted in it, unmounted before the dir goes. */
async function setup(t: TestContext): Promise<{ mnt: string; keep: (d: MountedDrive) => void }> {
  const drives: MountedDrive[] = []
  t.after(() => Promise.all(drives.map((d) => d.unmount())))
  const mnt = join(await tempDir(t), 'drive')
  return { mnt, keep: (d) => drives.push(d) }
}

test('a mount left by a killed process is seen as dead, cleaned, and the drive mounts again', async (t) => {
  const { mnt, keep } = await setup(t)
  const child = await serveFromChild(mnt, 'wait')
  t.after(() => kill(child))
  assert.equal(await readFile(join(mnt, 'hello.txt'), 'utf8'), 'from the child')
  await kill(child)

  assert.equal(await codeOf(statfs(mnt)), 'ENOTCONN')
  assert.equal(await probeMount(mnt), 'dead')
  assert.equal(await isMounted(mnt), true)
  await assert.rejects(prepareMountPoint(mnt), { name: 'MountPointBusy' })

  assert.equal(await cleanStaleMount(mnt), true)
  assert.equal(await isMounted(mnt), false)
  assert.equal(await cleanStaleMount(mnt), false, 'nothing left to clean')

  const drive = await mountDrive(new MemoryDriveFs(), mnt, { log: () => {} })
  keep(drive)
  assert.deepEqual(await readdir(mnt), [])
  await writeFile(join(mnt, 'again.txt'), 'works')
  assert.equal(await readFile(join(mnt, 'again.txt'), 'utf8'), 'works')
})

test('mountDrive clears a dead mount on its own and says so', async (t) => {
  const { mnt, keep } = await setup(t)
  const child = await serveFromChild(mnt, 'wait')
  t.after(() => kill(child))
  await kill(child)
  const logs: string[] = []
  keep(await mountDrive(new MemoryDriveFs(), mnt, { log: (line) => logs.push(line) }))
  assert.deepEqual(logs, [`fuse: detached a dead mount at ${mnt} left by an earlier run`])
  assert.deepEqual(await readdir(mnt), [])
})

test('a process that exits without unmounting leaves no mount behind', async (t) => {
  const { mnt } = await setup(t)
  const child = await serveFromChild(mnt, 'exit')
  if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve))
  assert.equal(child.exitCode, 0)
  assert.equal(await isMounted(mnt), false)
  assert.deepEqual(await readdir(mnt), [])
})
