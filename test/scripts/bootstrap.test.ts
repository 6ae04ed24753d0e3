// scripts/bootstrap.mjs: what `npm start` and `npm test` run first, on the
// machine's own Node, to install what a fresh clone lacks and then run the
// real entry on the pinned runtime. (A real `npm ci` takes minutes: here the
// decision and the re-exec are tested; the install itself is npm's.)
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { fuseAdvice, installCommand, installReason } from '../../scripts/bootstrap.mjs'
import { repoRoot, tempDir } from '../helpers.ts'

const run = promisify(execFile)
const bootstrap = join(repoRoot, 'scripts', 'bootstrap.mjs')

/** The machine's own node (what npm runs scripts with on a fresh clone), if it is 18 or later. */
function machineNode(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.includes('node_modules')) continue
    const candidate = join(dir, 'node')
    try {
      accessSync(candidate, constants.X_OK)
    } catch {
      continue
    }
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout
    if (Number(version.split('.')[0]) >= 18) return candidate
  }
  return process.execPath
}

async function exec(command: string, args: string[], cwd?: string) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: { ...process.env, npm_execpath: '' } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

test('a fresh clone needs an install, and the check says why, on the machine’s own node', async (t) => {
  const dir = await tempDir(t)
  const clone = join(dir, 'clone')
  const cloned = spawnSync('git', ['clone', '--quiet', repoRoot, clone], { encoding: 'utf8' })
  assert.equal(cloned.status, 0, cloned.stderr)
  const node = machineNode()
  const check = await exec(node, [join(clone, 'scripts', 'bootstrap.mjs'), '--check'])
  assert.equal(check.code, 1, check.stderr)
  assert.equal(check.stdout, 'install needed: node_modules is missing\n')
  assert.equal(installReason(clone), 'node_modules is missing')
})

test('the decision: what is missing or stale asks for an install, an up-to-date install does not', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'package-lock.json'), '{}')
  assert.equal(installReason(dir), 'node_modules is missing')
  await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true })
  assert.match(installReason(dir)!, /pinned Node runtime/)
  await writeFile(join(dir, 'node_modules', '.bin', 'node'), '')
  assert.match(installReason(dir)!, /pinned Node runtime/, 'not executable')
  await chmod(join(dir, 'node_modules', '.bin', 'node'), 0o755)
  assert.match(installReason(dir)!, /not installed by npm/)
  const hidden = join(dir, 'node_modules', '.package-lock.json')
  await writeFile(hidden, '{}')
  const now = Date.now() / 1000
  await utimes(join(dir, 'package-lock.json'), now, now)
  await utimes(hidden, now - 60, now - 60)
  assert.equal(installReason(dir), 'package-lock.json changed since the last install')
  await utimes(hidden, now + 1, now + 1)
  assert.equal(installReason(dir), null)

  assert.deepEqual(installCommand(dir, {}).args.slice(0, 1), ['ci'])
  const underNpm = installCommand(dir, { npm_execpath: '/x/npm-cli.js', npm_node_execpath: '/x/node' })
  assert.equal(underNpm.command, '/x/node')
  assert.deepEqual(underNpm.args.slice(0, 2), ['/x/npm-cli.js', 'ci'])
})

test('an installed checkout installs nothing and runs the entry on the pinned runtime', async (t) => {
  assert.equal(installReason(repoRoot), null, 'this checkout is installed (as after .ci/run’s npm ci)')
  const dir = await tempDir(t)
  const probe = join(dir, 'probe.mjs')
  await writeFile(
    probe,
    'process.stdout.write(JSON.stringify({ node: process.version, args: process.argv.slice(2) }))\nprocess.exit(3)\n',
  )
  const r = await exec(machineNode(), [bootstrap, probe, 'a', '--flag'], dir)
  assert.equal(r.code, 3, r.stderr)
  assert.doesNotMatch(r.stderr, /installing/)
  const seen = JSON.parse(r.stdout) as { node: string; args: string[] }
  assert.equal(seen.node, process.version, 'the pinned runtime, whatever node started the bootstrap')
  assert.deepEqual(seen.args, ['a', '--flag'])
})

test('missing FUSE is one line saying what to install', () => {
  assert.equal(fuseAdvice({ platform: 'linux', devFuse: true, libfuse: true }), null)
  assert.equal(fuseAdvice({ platform: 'darwin', devFuse: false, libfuse: false }), null)
  for (const probe of [
    { platform: 'linux', devFuse: true, libfuse: false },
    { platform: 'linux', devFuse: false, libfuse: true },
  ]) {
    const line = fuseAdvice(probe)!
    assert.match(line, /^peerdrive: FUSE is missing \(no [^)]+\).*apt-get install fuse libfuse2/)
    assert.doesNotMatch(line, /\n/)
  }
})
