// "Shared with me/" in the mount: a read-only folder laid over the drive's
// root, holding every live share the account opened. It is the drive's own
// root entry only while something is shared and the drive has no entry of
// that name itself (a user's own "Shared with me" is never hidden). Reads
// fetch and decrypt the share's chunks on demand, as an online-only file of
// the drive is read; anything that would change it is EROFS.
import type { ChunkStore } from '../chunk-store.ts'
import type { Attr, DriveFs, OpenFlags, Owner } from '../drive/fs-types.ts'
import { FsError } from '../drive/fs-types.ts'
import { SelfEncryptor } from '../selfenc/index.ts'
import type { DataMap } from '../selfenc/index.ts'
import type { ShareView } from './received.ts'

export const SHARED_DIR = 'Shared with me'
const SHARED_PATH = `/${SHARED_DIR}`

/** Inode numbers and handles of shared entries, far above those the drive hands out. */
const INO_BASE = 0xc000_0000
const HANDLE_BASE = 0x7000_0000

export interface SharedViews {
  views(): Map<string, ShareView>
}

type Found =
  { kind: 'dir'; size: number; mtime: number } | { kind: 'file'; size: number; map: DataMap; mtime: number }

export class SharedWithMeFs {
  private readonly source: SharedViews
  private readonly chunks: Pick<ChunkStore, 'get'>
  private readonly owner: Owner
  private readonly encryptor = new SelfEncryptor({ workers: 0 })
  private readonly inos = new Map<string, number>()
  private readonly handles = new Map<number, DataMap>()
  private nextHandle = HANDLE_BASE

  constructor(source: SharedViews, chunks: Pick<ChunkStore, 'get'>, owner: Owner) {
    this.source = source
    this.chunks = chunks
    this.owner = owner
  }

  /** Whether the folder is shown at all: something is shared. */
  present(): boolean {
    return this.source.views().size > 0
  }

  ownsHandle(handle: number): boolean {
    return handle >= HANDLE_BASE && this.handles.has(handle)
  }

  /** `rel` is the path below "Shared with me" ("" for the folder itself). */
  getattr(rel: string): Attr {
    const found = this.find(rel)
    const now = Date.now()
    const times = { mtimeMs: found.mtime || now, ctimeMs: found.mtime || now, atimeMs: found.mtime || now }
    return {
      kind: found.kind,
      size: found.size,
      mode: found.kind === 'dir' ? 0o555 : 0o444,
      ...times,
      uid: this.owner.uid,
      gid: this.owner.gid,
      rdev: 0,
      ino: this.ino(rel),
      nlink: found.kind === 'dir' ? 2 : 1,
    }
  }

  readdir(rel: string): string[] {
    const found = this.find(rel)
    if (found.kind !== 'dir') throw new FsError('ENOTDIR', `${SHARED_DIR}/${rel} is not a folder`)
    if (rel === '') return [...this.source.views().keys()]
    const { view, inner } = this.split(rel)
    return [...(view.dirs.get(inner) ?? [])]
  }

  open(rel: string, flags: OpenFlags): number {
    const found = this.find(rel)
    if (flags.write || flags.truncate) throw readOnly(rel)
    if (found.kind !== 'file') throw new FsError('EISDIR', `${SHARED_DIR}/${rel} is a folder`)
    const handle = this.nextHandle++
    this.handles.set(handle, found.map)
    return handle
  }

  async read(handle: number, position: number, length: number): Promise<Uint8Array> {
    const map = this.handles.get(handle)
    if (!map) throw new FsError('EBADF', `no open shared file has handle ${handle}`)
    return this.encryptor.readRange(map, this.chunks, position, length)
  }

  release(handle: number): void {
    this.handles.delete(handle)
  }

  private find(rel: string): Found {
    if (rel === '') return { kind: 'dir', size: this.source.views().size, mtime: 0 }
    const { view, inner } = this.split(rel)
    const file = view.files.get(inner)
    if (file) return { kind: 'file', size: file.size, map: file.map, mtime: view.updated_at }
    const dir = view.kind === 'folder' ? view.dirs.get(inner) : undefined
    if (dir) return { kind: 'dir', size: dir.size, mtime: view.updated_at }
    throw new FsError('ENOENT', `${SHARED_DIR}/${rel} is not shared with you`)
  }

  private split(rel: string): { view: ShareView; inner: string } {
    const slash = rel.indexOf('/')
    const name = slash < 0 ? rel : rel.slice(0, slash)
    const view = this.source.views().get(name)
    if (!view) throw new FsError('ENOENT', `${SHARED_DIR}/${rel} is not shared with you`)
    return { view, inner: slash < 0 ? '' : rel.slice(slash + 1) }
  }

  private ino(rel: string): number {
    let ino = this.inos.get(rel)
    if (ino === undefined) {
      ino = INO_BASE + this.inos.size + 1
      this.inos.set(rel, ino)
    }
    return ino
  }
}

function readOnly(rel: string): FsError {
  return new FsError('EROFS', `${SHARED_DIR}/${rel} is shared with you read-only`)
}

/**
 * The drive with "Shared with me/" laid over its root: paths under it go to
 * the shared folder, everything else to the drive as it is.
 */
export function withSharedWithMe(drive: DriveFs, shared: SharedWithMeFs): DriveFs {
  /** The path below the shared folder, or undefined when `path` is the drive's own. */
  const below = async (path: string): Promise<string | undefined> => {
    if (path !== SHARED_PATH && !path.startsWith(`${SHARED_PATH}/`)) return undefined
    if (!shared.present()) return undefined
    // a user's own entry of that name wins: nothing of the drive is ever hidden
    const own = await drive.getattr(SHARED_PATH).then(
      () => true,
      () => false,
    )
    return own ? undefined : path.slice(SHARED_PATH.length + 1)
  }
  /** A change at `path`: refused under the shared folder, else the drive's. */
  const change =
    <A extends unknown[], R>(op: (path: string, ...args: A) => Promise<R>) =>
    async (path: string, ...args: A): Promise<R> => {
      const rel = await below(path)
      if (rel !== undefined) throw readOnly(rel)
      return op.call(drive, path, ...args)
    }
  const byHandle =
    <A extends unknown[], R>(
      op: (handle: number, ...args: A) => Promise<R>,
      onShared: (handle: number) => R,
    ) =>
    async (handle: number, ...args: A): Promise<R> =>
      shared.ownsHandle(handle) ? onShared(handle) : op.call(drive, handle, ...args)
  const refuseHandle = (handle: number): never => {
    throw new FsError('EROFS', `handle ${handle} is a file shared with you read-only`)
  }
  const nothing = (): void => {}
  return {
    async getattr(path) {
      const rel = await below(path)
      return rel === undefined ? drive.getattr(path) : shared.getattr(rel)
    },
    async readdir(path) {
      const rel = await below(path)
      if (rel !== undefined) return shared.readdir(rel)
      const names = await drive.readdir(path)
      return path === '/' && shared.present() && !names.includes(SHARED_DIR) ? [...names, SHARED_DIR] : names
    },
    async open(path, flags) {
      const rel = await below(path)
      return rel === undefined ? drive.open(path, flags) : shared.open(rel, flags)
    },
    async read(handle, position, length) {
      return shared.ownsHandle(handle)
        ? shared.read(handle, position, length)
        : drive.read(handle, position, length)
    },
    async release(handle) {
      if (shared.ownsHandle(handle)) return shared.release(handle)
      return drive.release(handle)
    },
    write: byHandle(drive.write, refuseHandle),
    ftruncate: byHandle(drive.ftruncate, refuseHandle),
    fallocate: byHandle(drive.fallocate, refuseHandle),
    flush: byHandle(drive.flush, nothing),
    fsync: byHandle(drive.fsync, nothing),
    async readlink(path) {
      const rel = await below(path)
      if (rel !== undefined) throw new FsError('EINVAL', `${SHARED_DIR}/${rel} is not a symlink`)
      return drive.readlink(path)
    },
    create: change(drive.create),
    truncate: change(drive.truncate),
    unlink: change(drive.unlink),
    mkdir: change(drive.mkdir),
    mknod: change(drive.mknod),
    rmdir: change(drive.rmdir),
    utimens: change(drive.utimens),
    chmod: change(drive.chmod),
    chown: change(drive.chown),
    symlink: async (target, path, owner) => {
      const rel = await below(path)
      if (rel !== undefined) throw readOnly(rel)
      return drive.symlink(target, path, owner)
    },
    async link(existing, path) {
      for (const p of [existing, path]) {
        const rel = await below(p)
        if (rel !== undefined) throw readOnly(rel)
      }
      return drive.link(existing, path)
    },
    async rename(from, to) {
      for (const p of [from, to]) {
        const rel = await below(p)
        if (rel !== undefined) throw readOnly(rel)
      }
      return drive.rename(from, to)
    },
    statfs: () => drive.statfs(),
  }
}
