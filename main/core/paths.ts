// Where a node keeps its files when the user does not say: $PEERDRIVE_HOME,
// else the platform's per-user data directory.
import { homedir } from 'node:os'
import { join } from 'node:path'

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PEERDRIVE_HOME) return env.PEERDRIVE_HOME
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'PeerDrive')
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'PeerDrive')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'peerdrive')
}

export function defaultVaultDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultHome(env), 'vault')
}
