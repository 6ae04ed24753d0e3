// Test helpers: temp dirs that clean themselves up, the pinned Node binary, and the CLI run as a user would.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'

export const repoRoot = new URL('..', import.meta.url).pathname

/**
 * A fresh directory removed when the test ends. Clean-ups run in the order
 * they were registered, so what was started in it after it was made (a drive
 * writing its cache) may still be finishing a write: the removal tries again.
 */
export async function tempDir(t: TestContext, prefix = 'peerdrive-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }))
  return dir
}

const execFileP = promisify(execFile)

/** `peerdrive <args>` in a child process with its home at `home`; its exit code and output. */
export async function runCli(
  home: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(
      process.execPath,
      [join(repoRoot, 'main', 'bin.mjs'), ...args],
      {
        env: { ...process.env, PEERDRIVE_HOME: home },
        timeout: 120_000,
      },
    )
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
