// `npm start`: the desktop app when Electron's binary is present; otherwise
// one line saying so, then `peerdrive up` with the dashboard served on
// loopback (its address, with the token, is printed). Builds the dashboard
// first when its files are missing or stale.
import { spawn } from 'node:child_process'
import type { StdioOptions } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ensureDashboardBuilt } from '../build/dashboard.ts'
import { SettingsStore } from '../core/settings/index.ts'
import { defaultHome } from '../core/paths.ts'

const root = new URL('../../', import.meta.url).pathname

/** The Electron executable, if its download ever happened; null when it cannot be had here. */
export function electronBinary(electronDir = join(root, 'node_modules', 'electron')): string | null {
  const pathFile = join(electronDir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : null
}

function run(command: string, args: string[], opts: { ipc?: boolean } = {}): void {
  // the IPC channel closes when this process dies, however it dies: `up` then stops too
  const stdio: StdioOptions = opts.ipc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit'
  const child = spawn(command, args, { stdio })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

async function main(): Promise<void> {
  ensureDashboardBuilt((line) => process.stdout.write(`${line}\n`))
  const electron = electronBinary()
  if (electron) return run(electron, [root, ...process.argv.slice(2)])
  const settings = await new SettingsStore(defaultHome()).load()
  const mount = settings.mount ?? join(homedir(), 'PeerDrive')
  await mkdir(mount, { recursive: true })
  process.stdout.write(
    "PeerDrive: Electron's binary is not installed here (it could not be downloaded), so the node runs headless with the dashboard in your browser.\n",
  )
  run(
    process.execPath,
    [join(root, 'main', 'bin.mjs'), 'up', '--mount', mount, '--dashboard', ...process.argv.slice(2)],
    { ipc: true },
  )
}

if (import.meta.main) await main()
