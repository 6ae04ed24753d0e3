// Builds the dashboard (renderer/ → renderer/dist) with Vite when the built
// files are missing or older than their sources; npm start and the browser
// tests call this so nobody serves a stale window.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export const rendererDir = new URL('../../renderer/', import.meta.url).pathname
export const dashboardDir = join(rendererDir, 'dist')

function newestMtime(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false })
  if (!st) return 0
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)))
  return newest
}

export function dashboardIsStale(): boolean {
  const built = statSync(join(dashboardDir, 'index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0
  const sources = Math.max(
    newestMtime(join(rendererDir, 'src')),
    newestMtime(join(rendererDir, 'index.html')),
    newestMtime(join(rendererDir, 'vite.config.mjs')),
  )
  return built === 0 || sources > built
}

/** Runs `vite build` if needed; returns the directory of the built dashboard. */
export function ensureDashboardBuilt(log: (line: string) => void = () => {}): string {
  if (!dashboardIsStale()) return dashboardDir
  log('building the dashboard (vite build)…')
  const vite = new URL('../../node_modules/vite/bin/vite.js', import.meta.url).pathname
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(rendererDir, 'vite.config.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stderr || r.stdout}`)
  return dashboardDir
}
