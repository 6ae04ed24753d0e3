// An in-memory DriveFs with POSIX semantics: the twin the FUSE adapter is
// tested through, and the reference the real drive is held to.
//
// Paths never pass through symlinks (the kernel resolves them before asking),
// so a symlink in the middle of a path is just a non-directory. Open handles
// point at the file, not its path: they keep working after a rename or unlink,
// and an unlinked file's bytes are freed when its last handle is released.
// atime is set at creation and by utimens only, as on a noatime mount.
import type {
  Attr,
  DriveFs,
  FsErrorCode,
  OpenFlags,
  Owner,
  StatFs,
} from '../../../main/core/drive/fs-types.ts'
import { FsError } from '../../../main/core/drive/fs-types.ts'

interface Times {
  atimeMs: number
  mtimeMs: number
  ctimeMs: number
  uid: number
  gid: number
}

interface FileNode extends Times {
  kind: 'file'
  ino: number
  mode: number
  nlink: number
  /** Zero beyond `size`, always: growing a file (sparse write, truncate up) reads back zeros. */
  bytes: Uint8Array
  size: number
  openHandles: number
}

interface DirNode extends Times {
  kind: 'dir'
  ino: number
  mode: number
  nlink: number
  entries: Map<string, Node>
  /** The root is its own parent. */
  parent: DirNode
}

interface SymlinkNode extends Times {
  kind: 'symlink'
  ino: number
  mode: number
  nlink: number
  target: string
}

type Node = FileNode | DirNode | SymlinkNode

interface Handle {
  node: FileNode
  write: boolean
  append: boolean
}

export interface MemoryDriveFsOptions {
  /** Bytes the drive holds (file contents and symlink targets); past it writes fail with ENOSPC. Default 1 GiB. */
  capacityBytes?: number
  nameMax?: number
  now?: () => number
}

const MAX_INODES = 1_000_000

const fail = (code: FsErrorCode, message: string): never => {
  throw new FsError(code, message)
}

export class MemoryDriveFs implements DriveFs {
  readonly capacityBytes: number
  readonly nameMax: number
  readonly #now: () => number
  readonly #root: DirNode
  readonly #handles = new Map<number, Handle>()
  #nextIno = 1
  #nextHandle = 1
  #usedBytes = 0
  #inodes = 0

  constructor(opts: MemoryDriveFsOptions = {}) {
    this.capacityBytes = opts.capacityBytes ?? 1024 ** 3
    this.nameMax = opts.nameMax ?? 255
    this.#now = opts.now ?? Date.now
    const root = { kind: 'dir', mode: 0o755, nlink: 2, entries: new Map(), ...this.#newInode() } as DirNode
    root.parent = root
    this.#root = root
  }

  /** Bytes held, including those of unlinked files still open. */
  get usedBytes(): number {
    return this.#usedBytes
  }

  get openHandles(): number {
    return this.#handles.size
  }

  // --- reading the tree ------------------------------------------------------

  async getattr(path: string): Promise<Attr> {
    return this.#attr(this.#lookup(path))
  }

  async readdir(path: string): Promise<string[]> {
    const node = this.#lookup(path)
    if (node.kind !== 'dir') fail('ENOTDIR', `not a directory: ${path}`)
    return [...(node as DirNode).entries.keys()]
  }

  async readlink(path: string): Promise<string> {
    const node = this.#lookup(path)
    if (node.kind !== 'symlink') return fail('EINVAL', `not a symlink: ${path}`)
    return node.target
  }

  async statfs(): Promise<StatFs> {
    return {
      totalBytes: this.capacityBytes,
      freeBytes: Math.max(0, this.capacityBytes - this.#usedBytes),
      // As statvfs counts them: files is the total, filesFree what is left of it.
      files: MAX_INODES,
      filesFree: MAX_INODES - this.#inodes,
      nameMax: this.nameMax,
    }
  }

  // --- files and handles -----------------------------------------------------

  async open(path: string, flags: OpenFlags): Promise<number> {
    const node = this.#lookup(path)
    if (node.kind === 'dir') fail('EISDIR', `is a directory: ${path}`)
    if (node.kind === 'symlink') fail('EINVAL', `is a symlink (the caller resolves those): ${path}`)
    const file = node as FileNode
    if (flags.write && flags.truncate) this.#resize(file, 0)
    return this.#openHandle(file, flags.write, flags.append ?? false)
  }

  /** Creates a file that must not exist yet (as O_CREAT|O_EXCL) and opens it for writing. */
  async create(path: string, mode: number, owner?: Owner): Promise<number> {
    const file = this.#newFile(path, mode, owner, 'create')
    return this.#openHandle(file, true, false)
  }

  /** Only regular files: the twin keeps no fifos, sockets or devices. */
  async mknod(path: string, mode: number, _rdev: number, owner?: Owner): Promise<void> {
    if ((mode & 0o170000) !== 0o100000) fail('EPERM', `mknod of a special file: ${path}`)
    this.#newFile(path, mode, owner, 'mknod')
  }

  #newFile(path: string, mode: number, owner: Owner | undefined, op: string): FileNode {
    const { dir, name } = this.#parentOf(path, op)
    if (dir.entries.has(name)) fail('EEXIST', `already exists: ${path}`)
    const file: FileNode = {
      kind: 'file',
      mode: mode & 0o7777,
      nlink: 1,
      bytes: new Uint8Array(0),
      size: 0,
      openHandles: 0,
      ...this.#newInode(owner),
    }
    this.#link(dir, name, file)
    return file
  }

  async link(existing: string, path: string): Promise<void> {
    const node = this.#lookup(existing)
    if (node.kind === 'dir') fail('EPERM', `cannot link a directory: ${existing}`)
    const { dir, name } = this.#parentOf(path, 'link')
    if (dir.entries.has(name)) fail('EEXIST', `already exists: ${path}`)
    dir.entries.set(name, node)
    node.nlink++
    this.#touch(dir, 'mtime')
    this.#touch(node, 'ctime')
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    const node = this.#lookup(path)
    if (uid !== -1) node.uid = uid
    if (gid !== -1) node.gid = gid
    this.#touch(node, 'ctime')
  }

  /** Mode 0 and FALLOC_FL_KEEP_SIZE (1); the space is the drive's, so only mode 0's growth counts. */
  async fallocate(handle: number, mode: number, offset: number, length: number): Promise<void> {
    const h = this.#handle(handle)
    if (mode & ~1) fail('EOPNOTSUPP', `fallocate mode ${mode}`)
    if (offset < 0 || length <= 0) fail('EINVAL', `bad range ${offset}+${length}`)
    if (!h.write) fail('EBADF', 'not open for writing')
    if (mode === 0 && offset + length > h.node.size) this.#resize(h.node, offset + length)
  }

  async read(handle: number, position: number, length: number): Promise<Uint8Array> {
    const { node } = this.#handle(handle)
    if (position < 0 || length < 0) fail('EINVAL', `bad read range ${position}+${length}`)
    const end = Math.min(node.size, position + length)
    return end > position ? node.bytes.slice(position, end) : new Uint8Array(0)
  }

  async write(handle: number, position: number, data: Uint8Array): Promise<number> {
    const h = this.#handle(handle)
    if (!h.write) fail('EBADF', `handle ${handle} is not open for writing`)
    if (position < 0) fail('EINVAL', `bad write position ${position}`)
    const file = h.node
    const at = h.append ? file.size : position
    const end = at + data.length
    if (end > file.size) this.#resize(file, end)
    file.bytes.set(data, at)
    this.#touch(file, 'mtime')
    return data.length
  }

  async truncate(path: string, size: number): Promise<void> {
    const node = this.#lookup(path)
    if (node.kind === 'dir') fail('EISDIR', `is a directory: ${path}`)
    if (node.kind === 'symlink') fail('EINVAL', `is a symlink: ${path}`)
    this.#resize(node as FileNode, size)
  }

  async ftruncate(handle: number, size: number): Promise<void> {
    const h = this.#handle(handle)
    if (!h.write) fail('EBADF', `handle ${handle} is not open for writing`)
    this.#resize(h.node, size)
  }

  async flush(handle: number): Promise<void> {
    this.#handle(handle)
  }

  async fsync(handle: number): Promise<void> {
    this.#handle(handle)
  }

  async release(handle: number): Promise<void> {
    const { node } = this.#handle(handle)
    this.#handles.delete(handle)
    node.openHandles--
    this.#freeIfGone(node)
  }

  // --- changing the tree -----------------------------------------------------

  async unlink(path: string): Promise<void> {
    const { dir, name } = this.#parentOf(path, 'unlink')
    const node = dir.entries.get(name) ?? fail('ENOENT', `no such file or directory: ${path}`)
    if (node.kind === 'dir') fail('EISDIR', `is a directory: ${path}`)
    this.#unlink(dir, name, node)
  }

  async mkdir(path: string, mode: number, owner?: Owner): Promise<void> {
    const { dir, name } = this.#parentOf(path, 'mkdir')
    if (dir.entries.has(name)) fail('EEXIST', `already exists: ${path}`)
    const child = {
      kind: 'dir',
      mode: mode & 0o7777,
      nlink: 2,
      entries: new Map(),
      parent: dir,
      ...this.#newInode(owner),
    }
    this.#link(dir, name, child as DirNode)
  }

  async rmdir(path: string): Promise<void> {
    const { dir, name } = this.#parentOf(path, 'rmdir')
    const node = dir.entries.get(name) ?? fail('ENOENT', `no such file or directory: ${path}`)
    if (node.kind !== 'dir') fail('ENOTDIR', `not a directory: ${path}`)
    if ((node as DirNode).entries.size > 0) fail('ENOTEMPTY', `directory not empty: ${path}`)
    this.#unlink(dir, name, node)
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.#parentOf(from, 'rename')
    const node = src.dir.entries.get(src.name) ?? fail('ENOENT', `no such file or directory: ${from}`)
    const dst = this.#parentOf(to, 'rename onto')
    if (node.kind === 'dir') {
      for (let d = dst.dir; ; d = d.parent) {
        if (d === node) fail('EINVAL', `cannot move ${from} into itself (${to})`)
        if (d === this.#root) break
      }
    }
    const existing = dst.dir.entries.get(dst.name)
    if (existing === node) return
    if (existing) {
      if (existing.kind === 'dir' && node.kind !== 'dir') fail('EISDIR', `is a directory: ${to}`)
      if (existing.kind !== 'dir' && node.kind === 'dir') fail('ENOTDIR', `not a directory: ${to}`)
      if (existing.kind === 'dir' && existing.entries.size > 0)
        fail('ENOTEMPTY', `directory not empty: ${to}`)
      this.#unlink(dst.dir, dst.name, existing)
    }
    src.dir.entries.delete(src.name)
    dst.dir.entries.set(dst.name, node)
    if (node.kind === 'dir') {
      src.dir.nlink--
      dst.dir.nlink++
      node.parent = dst.dir
    }
    this.#touch(node, 'ctime')
    this.#touch(src.dir, 'mtime')
    this.#touch(dst.dir, 'mtime')
  }

  async utimens(path: string, atimeMs: number | null, mtimeMs: number | null): Promise<void> {
    const node = this.#lookup(path)
    if (atimeMs !== null) node.atimeMs = atimeMs
    if (mtimeMs !== null) node.mtimeMs = mtimeMs
    this.#touch(node, 'ctime')
  }

  async chmod(path: string, mode: number): Promise<void> {
    const node = this.#lookup(path)
    node.mode = mode & 0o7777
    this.#touch(node, 'ctime')
  }

  async symlink(target: string, path: string, owner?: Owner): Promise<void> {
    if (target === '') fail('ENOENT', 'a symlink needs a target')
    if (Buffer.byteLength(target) > 4095) fail('ENAMETOOLONG', `symlink target too long: ${path}`)
    const { dir, name } = this.#parentOf(path, 'symlink')
    if (dir.entries.has(name)) fail('EEXIST', `already exists: ${path}`)
    const link: SymlinkNode = { kind: 'symlink', mode: 0o777, nlink: 1, target, ...this.#newInode(owner) }
    try {
      this.#reserve(Buffer.byteLength(target))
    } catch (err) {
      this.#inodes--
      throw err
    }
    this.#link(dir, name, link)
  }

  // --- internals -------------------------------------------------------------

  #newInode(owner?: Owner): { ino: number } & Times {
    if (this.#inodes >= MAX_INODES) fail('ENOSPC', `no free inodes (the drive holds at most ${MAX_INODES})`)
    const now = this.#now()
    this.#inodes++
    const { uid, gid } = owner ?? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
    return { ino: this.#nextIno++, atimeMs: now, mtimeMs: now, ctimeMs: now, uid, gid }
  }

  #attr(node: Node): Attr {
    const size =
      node.kind === 'file'
        ? node.size
        : node.kind === 'dir'
          ? node.entries.size
          : Buffer.byteLength(node.target)
    const { kind, mode, mtimeMs, ctimeMs, atimeMs, ino, nlink, uid, gid } = node
    return { kind, size, mode, mtimeMs, ctimeMs, atimeMs, ino, nlink, uid, gid, rdev: 0 }
  }

  #components(path: string): string[] {
    if (!path.startsWith('/')) fail('EINVAL', `not an absolute path: ${path}`)
    return path.split('/').filter((part) => part !== '')
  }

  #lookup(path: string): Node {
    let node: Node = this.#root
    for (const part of this.#components(path)) {
      if (node.kind !== 'dir') fail('ENOTDIR', `not a directory on the way to ${path}`)
      node = (node as DirNode).entries.get(part) ?? fail('ENOENT', `no such file or directory: ${path}`)
    }
    return node
  }

  /** The directory that holds (or would hold) `path`, and its last name, checked. */
  #parentOf(path: string, op: string): { dir: DirNode; name: string } {
    const parts = this.#components(path)
    const name = parts.pop()
    if (name === undefined) return fail('EPERM', `cannot ${op} the root`)
    if (name === '.' || name === '..') fail('EINVAL', `cannot ${op} '${name}'`)
    if (Buffer.byteLength(name) > this.nameMax) fail('ENAMETOOLONG', `name longer than ${this.nameMax} bytes`)
    const dir = this.#lookup('/' + parts.join('/'))
    if (dir.kind !== 'dir') fail('ENOTDIR', `not a directory: /${parts.join('/')}`)
    return { dir: dir as DirNode, name }
  }

  #link(dir: DirNode, name: string, node: Node): void {
    dir.entries.set(name, node)
    if (node.kind === 'dir') dir.nlink++
    this.#touch(dir, 'mtime')
  }

  #unlink(dir: DirNode, name: string, node: Node): void {
    dir.entries.delete(name)
    this.#touch(dir, 'mtime')
    if (node.kind === 'dir') {
      dir.nlink--
      node.nlink = 0
    } else {
      node.nlink--
    }
    this.#touch(node, 'ctime')
    if (node.kind === 'file') this.#freeIfGone(node)
    else this.#forget(node)
  }

  #freeIfGone(file: FileNode): void {
    if (file.nlink > 0 || file.openHandles > 0) return
    this.#usedBytes -= file.size
    file.bytes = new Uint8Array(0)
    this.#forget(file)
  }

  #forget(node: Node): void {
    if (node.kind === 'symlink') this.#usedBytes -= Buffer.byteLength(node.target)
    this.#inodes--
  }

  #openHandle(node: FileNode, write: boolean, append: boolean): number {
    const handle = this.#nextHandle++
    this.#handles.set(handle, { node, write, append })
    node.openHandles++
    return handle
  }

  #handle(handle: number): Handle {
    return this.#handles.get(handle) ?? fail('EBADF', `no open handle ${handle}`)
  }

  #reserve(bytes: number): void {
    if (this.#usedBytes + bytes > this.capacityBytes) {
      fail('ENOSPC', `the drive is full: ${bytes} more bytes do not fit in ${this.capacityBytes}`)
    }
    this.#usedBytes += bytes
  }

  /** Sets a file's size: growing reads back zeros, shrinking drops the tail. */
  #resize(file: FileNode, size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) fail('EINVAL', `bad size ${size}`)
    if (size > file.size) {
      this.#reserve(size - file.size)
      if (size > file.bytes.length) {
        // doubling keeps a long run of appends linear; the capacity bounds it
        const grown = new Uint8Array(Math.max(size, Math.min(file.bytes.length * 2, this.capacityBytes)))
        grown.set(file.bytes.subarray(0, file.size))
        file.bytes = grown
      }
    } else {
      file.bytes.fill(0, size, file.size)
      this.#usedBytes -= file.size - size
    }
    file.size = size
    this.#touch(file, 'mtime')
  }

  /** 'mtime' marks a content change (mtime and ctime), 'ctime' a metadata change. */
  #touch(node: Node, what: 'mtime' | 'ctime'): void {
    const now = this.#now()
    if (what === 'mtime') node.mtimeMs = now
    node.ctimeMs = now
  }
}
