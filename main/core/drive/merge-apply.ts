// Another device's changes applied to this device's tree: the third side of
// a three-way merge. What changed only there is taken; what changed only here
// stays; what changed on both sides is kept twice — the later edit keeps the
// name and the other becomes a conflict copy beside it. A write made here and
// not yet in the network is never overwritten: a remote edit or delete of
// that file makes a conflict or leaves it be. Runs synchronously in one
// transaction, so no file-system call sees half a merge.
import type { DriveDb, EntryRow, InodeRow } from './db.ts'
import { ROOT_INO } from './db.ts'
import { conflictName } from './conflict-name.ts'
import { pathKey } from './merge-tree.ts'
import type { TreeChange, TreeNode } from './merge-tree.ts'
import type { DirEntry } from './tree-codec.ts'

export interface MergeTarget {
  db: DriveDb
  /** The file has content here that is not in the network, or is open for writing. */
  busy(ino: number): boolean
  /** This device's name and the remote root's committer, for conflict copies. */
  localDevice: string
  remoteDevice: string
}

export interface Conflict {
  path: string
  /** Where the edit that lost went. */
  copy: string
  /** The device whose edit the copy holds. */
  device: string
}

export interface MergeResult {
  /** Directories whose listing the merge changed (and every directory above them). */
  touched: Set<number>
  /** Something here is not in the remote tree now (a kept edit, a conflict copy): the merge must be committed. */
  diverged: boolean
  conflicts: Conflict[]
  /** Files whose content the remote replaced: a staging copy of the old content must go. */
  replaced: number[]
  /** Inodes that lost their last name here: freed once nothing has them open. */
  unlinked: number[]
  /** Names moved (a local file moved aside as a conflict copy): its history follows it. */
  moved: { from: string; to: string }[]
}

export function applyMerge(target: MergeTarget, changes: TreeChange[]): MergeResult {
  const { db } = target
  const result: MergeResult = {
    touched: new Set(),
    diverged: false,
    conflicts: [],
    replaced: [],
    unlinked: [],
    moved: [],
  }
  const owner = db.defaultOwner

  const touch = (dir: number): void => {
    for (let at = dir; ;) {
      result.touched.add(at)
      if (at === ROOT_INO) break
      const row = db.get(at)
      if (!row || row.parent === at) break
      at = row.parent
    }
  }

  /** Folders made by this merge where a file here had the remote folder's name, by path. */
  const madeAside = new Map<string, number>()

  /** The local directory at `path`, made where it is missing (a remote change inside a folder deleted here). */
  const dirAt = (path: string[], create: boolean): number | undefined => {
    let at = ROOT_INO
    for (const [i, name] of path.entries()) {
      const row = db.lookup(at, name)
      if (row?.kind === 'dir') {
        at = row.ino
        continue
      }
      const aside = madeAside.get(pathKey(path.slice(0, i + 1)))
      if (aside !== undefined) {
        at = aside
        continue
      }
      if (!create) return undefined
      const now = Date.now()
      // A file here where the remote has a folder: the folder is made beside it under a conflict name.
      const dirName = row
        ? conflictName(name, target.remoteDevice, now, (n) => db.lookup(at, n) !== undefined)
        : name
      const ino = db.insert({
        parent: at,
        name: dirName,
        kind: 'dir',
        mode: 0o755,
        size: 0,
        mtime: now,
        ctime: now,
        atime: now,
        target: null,
        handle: null,
        state: 'synced',
      })
      result.diverged = true
      touch(at)
      if (row) madeAside.set(pathKey(path.slice(0, i + 1)), ino)
      at = ino
    }
    return at
  }

  const insert = (parent: number, name: string, node: TreeNode): void => {
    const e = node.entry
    const ino = db.insert({
      parent,
      name,
      kind: e.kind,
      mode: e.mode,
      uid: e.uid ?? owner.uid,
      gid: e.gid ?? owner.gid,
      rdev: e.rdev ?? 0,
      size: e.size,
      mtime: e.mtime,
      ctime: e.mtime,
      atime: e.mtime,
      target: e.target ?? null,
      handle: e.kind === 'file' ? (e.handle ?? null) : null,
      state: 'synced',
    })
    if (e.kind === 'dir') {
      if (e.handle && name === e.name) db.setMeta(`dir:${ino}`, e.handle)
      for (const child of node.children ?? []) insert(ino, child.entry.name, child)
    }
    touch(parent)
  }

  const pathOf = (parent: number, name: string): string => {
    const names = [name]
    for (let row = db.get(parent); row && row.ino !== ROOT_INO; row = db.get(row.parent))
      names.unshift(row.name)
    return `/${names.join('/')}`
  }

  /** The same name made or edited on both sides: both kept, the later at the name. */
  const keepBoth = (parent: number, local: EntryRow, remote: TreeNode): void => {
    const name = local.name
    const taken = (n: string): boolean => db.lookup(parent, n) !== undefined
    const remoteLater = remote.entry.mtime > local.mtime
    // A folder keeps its name against a file: the file is the copy.
    const localMoves =
      local.kind !== 'dir' &&
      (remote.entry.kind === 'dir' || (remoteLater && local.kind === remote.entry.kind))
    const path = pathOf(parent, name)
    if (localMoves) {
      const copy = conflictName(name, target.localDevice, local.mtime, taken)
      db.rename(parent, name, parent, copy)
      result.moved.push({ from: path, to: pathOf(parent, copy) })
      insert(parent, name, remote)
      result.conflicts.push({ path, copy: pathOf(parent, copy), device: target.localDevice })
    } else {
      const copy = conflictName(name, target.remoteDevice, remote.entry.mtime, taken)
      insert(parent, copy, remote)
      result.conflicts.push({ path, copy: pathOf(parent, copy), device: target.remoteDevice })
    }
    result.diverged = true
    touch(parent)
  }

  /** The file here is as it was in the last tree both devices had. */
  const unchanged = (row: InodeRow, base: DirEntry): boolean =>
    row.kind === base.kind &&
    !target.busy(row.ino) &&
    (row.kind === 'file'
      ? row.handle === (base.handle ?? null) && (row.state === 'synced' || row.state === 'degraded')
      : row.kind === 'symlink'
        ? row.target === (base.target ?? null)
        : true)

  const sameContent = (row: InodeRow, e: DirEntry): boolean =>
    row.kind === e.kind &&
    (row.kind === 'file'
      ? row.handle === (e.handle ?? null) && !target.busy(row.ino)
      : row.kind === 'symlink'
        ? row.target === (e.target ?? null)
        : true)

  const add = (parent: number, node: TreeNode): void => {
    const name = node.entry.name
    const here = db.lookup(parent, name)
    if (!here) return insert(parent, name, node)
    if (here.kind === 'dir' && node.entry.kind === 'dir') {
      // The same folder made on both sides: what is in either ends up in it.
      for (const child of node.children ?? []) add(here.ino, child)
      result.diverged ||= db.countChildren(here.ino) !== (node.children ?? []).length
      return
    }
    if (sameContent(here, node.entry)) return
    keepBoth(parent, here, node)
  }

  const remove = (parent: number, node: TreeNode): void => {
    const here = db.lookup(parent, node.entry.name)
    if (!here) return
    if (node.entry.kind === 'dir') {
      if (here.kind !== 'dir') return void (result.diverged = true)
      for (const child of node.children ?? []) remove(here.ino, child)
      // What was made here in the folder since keeps it.
      if (db.countChildren(here.ino) > 0) return void (result.diverged = true)
      db.removeLink(parent, here.name)
      db.removeInode(here.ino)
      touch(parent)
      return
    }
    // An edit here outlives a delete there.
    if (!unchanged(here, node.entry)) return void (result.diverged = true)
    db.removeLink(parent, here.name)
    if (db.links(here.ino) === 0) result.unlinked.push(here.ino)
    touch(parent)
  }

  const change = (parent: number, base: DirEntry, remote: TreeNode): void => {
    const e = remote.entry
    const here = db.lookup(parent, e.name)
    // Edited there, deleted (or moved away) here: the edit is kept.
    if (!here) {
      result.diverged = true
      return insert(parent, e.name, remote)
    }
    if (sameContent(here, e)) return
    if (!unchanged(here, base)) return keepBoth(parent, here, remote)
    db.update(here.ino, {
      mode: e.mode,
      uid: e.uid ?? here.uid,
      gid: e.gid ?? here.gid,
      rdev: e.rdev ?? 0,
      size: e.size,
      mtime: e.mtime,
      ctime: Math.max(here.ctime, e.mtime),
      target: e.target ?? null,
      handle: e.kind === 'file' ? (e.handle ?? null) : null,
      state: 'synced',
      error: null,
    })
    result.replaced.push(here.ino)
    touch(parent)
  }

  db.transaction(() => {
    for (const c of changes) {
      const parentPath = c.path.slice(0, -1)
      const parent = dirAt(parentPath, c.kind !== 'remove' && c.kind !== 'dir-meta')
      if (parent === undefined) continue
      if (c.kind === 'add') add(parent, c.node)
      else if (c.kind === 'remove') remove(parent, c.node)
      else if (c.kind === 'change') change(parent, c.base, c.remote)
      else {
        const here = db.lookup(parent, c.remote.name)
        if (here?.kind === 'dir' && here.mode === c.base.mode) {
          db.update(here.ino, { mode: c.remote.mode, mtime: c.remote.mtime })
          touch(here.ino)
        }
      }
    }
  })
  return result
}

/** The path of a directory as merge diffs key it ('' is the root). */
export function dirKey(db: DriveDb, ino: number): string | undefined {
  const names: string[] = []
  for (let at = ino; at !== ROOT_INO;) {
    const row = db.get(at)
    if (!row || row.parent === at) return undefined
    names.unshift(row.name)
    at = row.parent
  }
  return pathKey(names)
}
