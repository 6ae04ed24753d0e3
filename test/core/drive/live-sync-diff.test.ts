// What another device changed, found by comparing two trees: changes by
// path, subtrees with the same handle on both sides never fetched, and the
// root's device and parent read leniently (older roots have neither).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeRootInfo, diffTrees, encodeRootDirectory } from '../../../main/core/drive/merge-tree.ts'
import { encodeDirectory } from '../../../main/core/drive/tree-codec.ts'
import type { DirEntry } from '../../../main/core/drive/tree-codec.ts'

/** Directory blobs by made-up handle, and which were read. */
function blobs(dirs: Record<string, DirEntry[]>): {
  read: (h: string) => Promise<Uint8Array>
  reads: string[]
} {
  const reads: string[] = []
  return {
    reads,
    read: async (h) => {
      reads.push(h)
      const entries = dirs[h]
      if (!entries) throw new Error(`no blob ${h}`)
      return encodeDirectory(entries)
    },
  }
}

const file = (name: string, handle: string, mtime = 1): DirEntry => ({
  name,
  kind: 'file',
  mode: 0o644,
  size: 1,
  mtime,
  handle,
})
const dir = (name: string, handle: string, mtime = 1): DirEntry => ({
  name,
  kind: 'dir',
  mode: 0o755,
  size: 0,
  mtime,
  handle,
})

test('changes are found by path, and a subtree with the same handle on both sides is not fetched', async () => {
  const { read, reads } = blobs({
    base: [dir('big', 'big1'), dir('docs', 'docs1'), file('old.txt', 'o'), file('edit.txt', 'e1')],
    remote: [dir('big', 'big1'), dir('docs', 'docs2'), file('edit.txt', 'e2'), dir('new', 'new1')],
    docs1: [file('a', 'a1')],
    docs2: [file('a', 'a1'), file('b', 'b1')],
    new1: [file('inner', 'i1')],
    big1: [file('never read', 'x')],
  })
  const diff = await diffTrees(read, 'base', 'remote')
  assert.ok(!reads.includes('big1'), `read: ${reads.join(', ')}`)
  const summary = diff.changes.map((c) => `${c.kind} ${c.path.join('/')}`).sort()
  assert.deepEqual(summary, ['add docs/b', 'add new', 'change edit.txt', 'remove old.txt'])
  const added = diff.changes.find((c) => c.kind === 'add' && c.path[0] === 'new')
  assert.equal(added?.kind === 'add' ? added.node.children?.[0]?.entry.name : undefined, 'inner')
  assert.equal(diff.dirs.get(''), 'remote')
  assert.equal(diff.dirs.get('docs'), 'docs2')
  assert.equal(diff.dirs.get('new'), 'new1')
  assert.equal(diff.dirs.get('big'), 'big1')
})

test('no base: everything in the remote tree is added', async () => {
  const { read } = blobs({ remote: [file('x', 'x1'), dir('d', 'd1')], d1: [] })
  const diff = await diffTrees(read, undefined, 'remote')
  assert.deepEqual(diff.changes.map((c) => `${c.kind} ${c.path.join('/')}`).sort(), ['add d', 'add x'])
})

test('a file turned into a folder is a removal and an addition; a folder’s own mode is a dir-meta change', async () => {
  const { read } = blobs({
    base: [file('thing', 't'), dir('d', 'd1')],
    remote: [dir('thing', 'th1'), { ...dir('d', 'd1'), mode: 0o700 }],
    th1: [],
    d1: [],
  })
  const diff = await diffTrees(read, 'base', 'remote')
  assert.deepEqual(diff.changes.map((c) => `${c.kind} ${c.path.join('/')}`).sort(), [
    'add thing',
    'dir-meta d',
    'remove thing',
  ])
})

test('a root names its device and parent; anything else there is ignored', () => {
  const root = encodeRootDirectory([], { device: 'laptop', parent: 'p' })
  assert.deepEqual(decodeRootInfo(root), { device: 'laptop', parent: 'p' })
  assert.deepEqual(decodeRootInfo(encodeDirectory([])), {})
  assert.deepEqual(decodeRootInfo(Buffer.from('{"v":1,"entries":[],"device":7,"parent":["x"]}')), {})
  assert.deepEqual(decodeRootInfo(Buffer.from('not json')), {})
  assert.deepEqual(decodeRootInfo(Buffer.from('null')), {})
})
