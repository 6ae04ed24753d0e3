// What another device changed: the difference between two trees in the
// network (the last root both devices had, and the newer root it published),
// as a list of changes by path. Subtrees whose directory handle is the same
// on both sides are skipped without being fetched, so a change deep in a big
// tree costs one directory per level. Directories are untrusted input and
// parse through decodeDirectory.
import { DIR_FORMAT, decodeDirectory } from './tree-codec.ts'
import type { DirEntry } from './tree-codec.ts'

/** An entry with, for a directory, everything in it. */
export interface TreeNode {
  entry: DirEntry
  children?: TreeNode[]
}

export type TreeChange =
  | { kind: 'add'; path: string[]; node: TreeNode }
  | { kind: 'remove'; path: string[]; node: TreeNode }
  | { kind: 'change'; path: string[]; base: DirEntry; remote: TreeNode }
  | { kind: 'dir-meta'; path: string[]; base: DirEntry; remote: DirEntry }

export interface TreeDiff {
  changes: TreeChange[]
  /** The newer tree's directory handle at each path the diff went through ('' is the root). */
  dirs: Map<string, string>
}

/** Who committed a root and what it was built on: kept in the root directory's document. */
export interface RootInfo {
  device?: string
  parent?: string
}

export function encodeRootDirectory(entries: DirEntry[], info: RootInfo): Uint8Array {
  return Buffer.from(JSON.stringify({ v: DIR_FORMAT, entries, ...info }), 'utf8')
}

/** The root document's device and parent, where present and well formed (older roots have neither). */
export function decodeRootInfo(bytes: Uint8Array): RootInfo {
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
  const info: RootInfo = {}
  if (typeof doc?.device === 'string' && doc.device.length <= 255) info.device = doc.device
  if (typeof doc?.parent === 'string' && doc.parent.length <= 4096) info.parent = doc.parent
  return info
}

export const pathKey = (path: string[]): string => path.join('/')

/** Two entries that say the same thing (hard-link numbers are each device's own, so they do not count). */
export function sameEntry(a: DirEntry, b: DirEntry): boolean {
  return (
    a.kind === b.kind &&
    a.handle === b.handle &&
    a.mode === b.mode &&
    a.mtime === b.mtime &&
    a.size === b.size &&
    a.target === b.target &&
    (a.uid ?? 0) === (b.uid ?? 0) &&
    (a.gid ?? 0) === (b.gid ?? 0) &&
    (a.rdev ?? 0) === (b.rdev ?? 0)
  )
}

/**
 * The changes that turn the tree at `base` into the tree at `remote`
 * (`base` undefined: an empty tree). `read` fetches and decrypts a blob.
 */
export async function diffTrees(
  read: (handle: string) => Promise<Uint8Array>,
  base: string | undefined,
  remote: string,
): Promise<TreeDiff> {
  const changes: TreeChange[] = []
  const dirs = new Map<string, string>()
  const list = async (handle: string | undefined): Promise<DirEntry[]> =>
    handle ? decodeDirectory(await read(handle)) : []

  const load = async (entry: DirEntry, path: string[], record: boolean): Promise<TreeNode> => {
    if (entry.kind !== 'dir') return { entry }
    if (record && entry.handle) dirs.set(pathKey(path), entry.handle)
    const children: TreeNode[] = []
    for (const e of await list(entry.handle)) children.push(await load(e, [...path, e.name], record))
    return { entry, children }
  }

  const walk = async (b: string | undefined, r: string, path: string[]): Promise<void> => {
    dirs.set(pathKey(path), r)
    if (b === r) return
    const before = new Map((await list(b)).map((e) => [e.name, e]))
    const after = new Map((await list(r)).map((e) => [e.name, e]))
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const be = before.get(name)
      const re = after.get(name)
      const at = [...path, name]
      if (be && re && sameEntry(be, re)) {
        if (re.kind === 'dir' && re.handle) dirs.set(pathKey(at), re.handle)
        continue
      }
      if (be?.kind === 'dir' && re?.kind === 'dir' && re.handle) {
        if (be.mode !== re.mode || be.mtime !== re.mtime || be.uid !== re.uid || be.gid !== re.gid)
          changes.push({ kind: 'dir-meta', path: at, base: be, remote: re })
        await walk(be.handle, re.handle, at)
        continue
      }
      if (be && re && be.kind === re.kind && be.kind !== 'dir') {
        changes.push({ kind: 'change', path: at, base: be, remote: { entry: re } })
        continue
      }
      if (be) changes.push({ kind: 'remove', path: at, node: await load(be, at, false) })
      if (re) changes.push({ kind: 'add', path: at, node: await load(re, at, true) })
    }
  }

  await walk(base, remote, [])
  return { changes, dirs }
}
