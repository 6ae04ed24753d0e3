// The PeerDrive home holds account keys, the API token and vault data, so it
// and everything PeerDrive makes under it belong to this user alone
// (directories 0700, files 0600), however the process's umask is set.
import { chmod, mkdir, stat } from 'node:fs/promises'

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/** Creates `dir` (and missing parents) as 0700; an existing one open to others is narrowed to 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  const s = await stat(dir)
  // mkdir's mode is masked by the umask, and a directory made by an older
  // version (or by hand) may be 0755: narrow it, if it is ours to change.
  if ((s.mode & 0o077) !== 0 && s.uid === process.getuid?.()) await chmod(dir, PRIVATE_DIR_MODE)
}

/**
 * For processes that keep a node's files (up, start, node run, testnet): files
 * made by libraries that take no mode (SQLite's databases and journals) are
 * created private too. Not for commands that write the user's own files.
 */
export function keepNewFilesPrivate(): void {
  process.umask(0o077)
}
