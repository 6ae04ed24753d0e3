// Makes the native addons load on the Node runtime pinned in package.json.
//
// Run by `npm install` (postinstall). Idempotent: each addon is first loaded
// under the pinned Node; only an addon that fails to load is rebuilt. The
// machine's npm may point node-gyp at another Node's headers, so the headers
// of the pinned runtime are taken from its own registry package and passed as
// --nodedir.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureFuseGlue } from './fuse-glue-build.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'node_modules', '.bin')
const pinnedNode = join(bin, 'node')
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }

function log(line) {
  process.stdout.write(`peerdrive setup: ${line}\n`)
}

/** Runs `code` under the pinned Node; returns the error text, or '' when it loaded. */
function tryLoad(code) {
  const r = spawnSync(pinnedNode, ['-e', code], { cwd: root, env, encoding: 'utf8' })
  return r.status === 0 ? '' : (r.stderr || r.stdout || `exit ${r.status}`).trim()
}

function pinnedVersion() {
  return execFileSync(pinnedNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
}

/** Extracts the pinned runtime's C headers (from the registry package node-<os>-<arch>). */
function headersFor(version) {
  const dir = join(root, 'node_modules', '.node-headers', version)
  if (existsSync(join(dir, 'include', 'node', 'node_api.h'))) return dir
  mkdirSync(dir, { recursive: true })
  const pkg = `node-${process.platform}-${process.arch}@${version}`
  log(`fetching headers from ${pkg}`)
  const out = execFileSync('npm', ['pack', pkg, '--pack-destination', dir, '--silent'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  })
  const tarball = join(dir, out.trim().split('\n').pop())
  execFileSync('tar', ['xzf', tarball, '-C', dir, '--strip-components=1', 'package/include'])
  return dir
}

/** npm's bundled node-gyp: npm names it in the environment of its scripts. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp
  if (fromNpm && existsSync(fromNpm)) return fromNpm
  const npmDir = resolve(
    dirname(realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())),
    '..',
  )
  const bundled = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  if (existsSync(bundled)) return bundled
  throw new Error('node-gyp not found: run this through npm install')
}

function ensureBetterSqlite() {
  const probe = "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
  if (!tryLoad(probe)) return log('better-sqlite3 loads')
  const version = pinnedVersion()
  log(`building better-sqlite3 for Node ${version} (takes a few minutes)`)
  const nodedir = headersFor(version)
  // npm itself is told not to run better-sqlite3's install script (allowScripts),
  // since that would build against the machine's Node; build it here instead.
  execFileSync(pinnedNode, [nodeGyp(), 'rebuild', '--release', `--nodedir=${nodedir}`], {
    cwd: join(root, 'node_modules', 'better-sqlite3'),
    // npm exports the machine's nodedir to scripts, and node-gyp prefers it to the flag
    env: { ...env, npm_config_nodedir: nodedir },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const err = tryLoad(probe)
  if (err) throw new Error(`better-sqlite3 still does not load after rebuild:\n${err}`)
  log('better-sqlite3 built and loads')
}

function checkFuse() {
  const err = tryLoad("require('fuse-native')")
  if (!err) return true
  const hint = /libfuse/.test(err) ? ' (install the system packages: apt-get install -y fuse libfuse2)' : ''
  // Not fatal: the vault and network work without FUSE; only mounting the drive needs it.
  log(`fuse-native does not load${hint}: ${err.split('\n')[0]}`)
  return false
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
if (!existsSync(pinnedNode)) {
  throw new Error(
    `the pinned Node runtime (devDependency "node" ${pkg.devDependencies.node}) is not installed`,
  )
}
ensureBetterSqlite()
if (checkFuse()) ensureFuseGlue({ root, log, tryLoad, pinnedNode, env, nodeGyp, headersFor, pinnedVersion })
