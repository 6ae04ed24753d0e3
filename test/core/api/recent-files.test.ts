import assert from 'node:assert/strict'
import { test } from 'node:test'
import { recentFiles } from '../../../main/core/api/index.ts'
import type { Attr } from '../../../main/core/drive/index.ts'

/** A tiny in-memory tree with the two calls the walk uses. */
function tree(entries: Record<string, { kind: 'file' | 'dir'; mtime: number; ino: number; size?: number }>) {
  return {
    async readdir(path: string): Promise<string[]> {
      const prefix = path === '/' ? '/' : `${path}/`
      return Object.keys(entries)
        .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length))
    },
    async getattr(path: string): Promise<Attr> {
      const e = entries[path]
      if (!e) throw new Error('ENOENT')
      return {
        kind: e.kind,
        size: e.size ?? 0,
        mode: 0o644,
        mtimeMs: e.mtime,
        ctimeMs: 0,
        atimeMs: 0,
        uid: 0,
        gid: 0,
        rdev: 0,
        ino: e.ino,
        nlink: 1,
      }
    },
  }
}

test('recent files are the newest first, with the sync state of each', async () => {
  const drive = tree({
    '/a.txt': { kind: 'file', mtime: 10, ino: 2, size: 5 },
    '/docs': { kind: 'dir', mtime: 1, ino: 3 },
    '/docs/b.txt': { kind: 'file', mtime: 30, ino: 4, size: 100 },
    '/docs/c.txt': { kind: 'file', mtime: 20, ino: 5, size: 7 },
  })
  const files = await recentFiles(drive, [
    { ino: 4, done: 40, total: 100 },
    { ino: 5, error: 'no vault answered' },
    { ino: 2, degraded: { copies: 1, of: 4 } },
  ])
  assert.deepEqual(
    files.map((f) => [f.path, f.sync]),
    [
      ['/docs/b.txt', 'syncing'],
      ['/docs/c.txt', 'error'],
      ['/a.txt', 'degraded'],
    ],
  )
  assert.deepEqual([files[2]!.copies, files[2]!.of], [1, 4])
  assert.equal(files[0]!.done, 40)
  assert.equal(files[1]!.error, 'no vault answered')
  assert.equal((await recentFiles(drive, [], 1)).length, 1)
})
