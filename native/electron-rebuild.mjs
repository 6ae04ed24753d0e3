// Rebuilds the native addons (better-sqlite3, fuse-native) for Electron's ABI
// before packaging. Electron embeds its own Node with its own module ABI, so
// an addon built for the pinned Node 24 (native/setup.mjs) does not load in
// the app. electron-builder's install-app-deps does the rebuild against
// Electron's headers; electron-builder.yml runs this as its beforeBuild hook,
// and it can be run by hand: node native/electron-rebuild.mjs
import { spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const builder = join(root, 'node_modules', '.bin', 'electron-builder')
const r = spawnSync(builder, ['install-app-deps'], { cwd: root, stdio: 'inherit' })
if (r.status !== 0) {
  process.stderr.write('peerdrive: rebuilding the native addons for Electron failed; see native/README.md\n')
  process.exit(r.status ?? 1)
}
// true tells electron-builder its own dependency install step may run as usual
export default async function beforeBuild() {
  return true
}
