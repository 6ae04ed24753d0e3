// Test helpers: temp dirs that clean themselves up, and the pinned Node binary.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

export const repoRoot = new URL('..', import.meta.url).pathname

/** A fresh directory removed when the test ends. */
export async function tempDir(t: TestContext, prefix = 'peerdrive-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}
