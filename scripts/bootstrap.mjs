// `npm start` and `npm test` on a fresh clone: installs what is missing, then
// runs the real entry (a .ts file) on the Node runtime pinned in
// node_modules. Plain JavaScript for any Node from 18 on, because npm runs it
// with the machine's own `node`, which may be too old to run .ts files.
//
//   node scripts/bootstrap.mjs <entry.ts> [args…]   install if needed, then run the entry
//   node scripts/bootstrap.mjs --check               say whether an install is needed (exit 1 if so)
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The pinned Node runtime (the `node` package's binary). */
export function pinnedNode(dir = root) {
  return join(dir, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node')
}

/** Why the dependencies must be installed before anything runs, or null when they are in place. */
export function installReason(dir = root) {
  const modules = join(dir, 'node_modules')
  if (!existsSync(modules)) return 'node_modules is missing'
  try {
    accessSync(pinnedNode(dir), constants.X_OK)
  } catch {
    return 'the pinned Node runtime (node_modules/.bin/node) is missing'
  }
  // npm writes node_modules/.package-lock.json at the end of every install
  const installed = mtimeOf(join(modules, '.package-lock.json'))
  if (installed === undefined) return 'node_modules was not installed by npm'
  const lock = mtimeOf(join(dir, 'package-lock.json'))
  if (lock !== undefined && lock > installed) return 'package-lock.json changed since the last install'
  return null
}

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/** The install command: `npm ci` when a lockfile pins the versions, through the npm running us if any. */
export function installCommand(dir = root, env = process.env) {
  // errors only: npm on the machine's older Node warns about every engine the pinned one satisfies
  const quiet = ['--no-audit', '--no-fund', '--loglevel=error']
  const args = existsSync(join(dir, 'package-lock.json')) ? ['ci', ...quiet] : ['install', ...quiet]
  // under `npm start`/`npm test`, npm says where its own CLI is
  if (env.npm_execpath && /\.(c?js|mjs)$/.test(env.npm_execpath))
    return { command: env.npm_node_execpath || process.execPath, args: [env.npm_execpath, ...args] }
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args }
}

const LIB_DIRS = [
  '/lib',
  '/lib64',
  '/usr/lib',
  '/usr/lib64',
  '/usr/local/lib',
  `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
]

/** Whether the dynamic loader can find libfuse.so.2 (what fuse-native links against). */
export function hasLibfuse2() {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' })
    if (r.status === 0) return /\blibfuse\.so\.2\b/.test(r.stdout)
  }
  return LIB_DIRS.some((d) => {
    try {
      return readdirSync(d).some((f) => f.startsWith('libfuse.so.2'))
    } catch {
      return false
    }
  })
}

/**
 * One line saying what to install when the drive could not mount here; null when FUSE is in place.
 * @param {{ platform: string, devFuse: boolean, libfuse: boolean | null }} [probe] libfuse null: look for it
 * @returns {string | null}
 */
export function fuseAdvice(
  probe = { platform: process.platform, devFuse: existsSync('/dev/fuse'), libfuse: null },
) {
  if (probe.platform !== 'linux') return null
  const libfuse = probe.libfuse ?? hasLibfuse2()
  if (libfuse && probe.devFuse) return null
  const missing = [!libfuse && 'libfuse.so.2', !probe.devFuse && '/dev/fuse'].filter(Boolean).join(' and ')
  return (
    `peerdrive: FUSE is missing (no ${missing}), so the drive cannot mount: ` +
    'install it with `sudo apt-get install fuse libfuse2` (Debian/Ubuntu)' +
    (probe.devFuse ? '' : '; in a container, also pass --device /dev/fuse --cap-add SYS_ADMIN')
  )
}

/** Installs the dependencies when needed, saying so first; throws when the install did not help. */
export function ensureInstalled(dir = root, say = (line) => process.stderr.write(`${line}\n`)) {
  const reason = installReason(dir)
  if (!reason) return false
  say(`peerdrive: installing dependencies (first run, a few minutes)… [${reason}]`)
  const { command, args } = installCommand(dir)
  const r = spawnSync(command, args, { cwd: dir, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0)
    throw new Error(
      `\`npm ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`,
    )
  const still = installReason(dir)
  if (still) throw new Error(`after \`npm ${args[0]}\`, ${still}`)
  return true
}

/** Runs `entry` on the pinned runtime with stdio shared; resolves with its exit code. */
export function runPinned(entry, args, dir = root) {
  const child = spawn(pinnedNode(dir), [resolve(dir, entry), ...args], {
    cwd: process.cwd(),
    stdio: 'inherit',
  })
  // A Ctrl-C reaches the child from the terminal too; a signal sent to this
  // process alone is passed on. This process waits for the child either way.
  const forward = (signal) => child.kill(signal)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward)
  return new Promise((resolveExit) => {
    child.on('error', (err) => {
      process.stderr.write(`peerdrive: could not start ${pinnedNode(dir)}: ${err.message}\n`)
      resolveExit(1)
    })
    child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 128 + signalNumber(signal) : 1)))
  })
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 1
}

async function main(argv) {
  if (argv[0] === '--check') {
    const reason = installReason()
    process.stdout.write(reason ? `install needed: ${reason}\n` : 'nothing to install\n')
    return reason ? 1 : 0
  }
  const [entry, ...args] = argv
  if (!entry) {
    process.stderr.write('usage: node scripts/bootstrap.mjs <entry.ts> [args…] | --check\n')
    return 2
  }
  try {
    ensureInstalled()
  } catch (err) {
    process.stderr.write(`peerdrive: ${err.message}\n`)
    return 1
  }
  const fuse = fuseAdvice()
  if (fuse) process.stderr.write(`${fuse}\n`)
  return runPinned(entry, args)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2))
}
