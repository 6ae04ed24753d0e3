// An app's file operations on the drive, on paths already checked by
// paths.ts: whole-file reads and writes, listings, removal, and the bytes a
// folder holds (for the storage budget).
import type { Drive } from '../drive/index.ts'
import { FsError } from '../drive/index.ts'
import { AppRefusedError, badRequest, notFound } from './errors.ts'
import type { PublicContent } from './public-data.ts'

/** The largest file an app reads or writes in one call. */
export const MAX_APP_FILE = 4 * 2 ** 20

export interface AppDirEntry {
  name: string
  kind: 'file' | 'dir' | 'other'
  size: number
  modified_at: number
}

/** Drive errors become refusals the app can act on; anything else is the node's failure. */
export async function asRefusal<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (!(err instanceof FsError)) throw err
    if (err.code === 'ENOENT') throw notFound(path)
    if (err.code === 'ENOSPC') throw new AppRefusedError('AppNoSpace', 507, 'the drive is full')
    if (err.code === 'EBUSY') throw new AppRefusedError('AppBusy', 409, `${path} is busy`)
    throw badRequest(`${path}: ${err.code}`)
  }
}

export async function readWhole(drive: Drive, path: string): Promise<Buffer> {
  const attr = await drive.getattr(path)
  if (attr.kind !== 'file') throw badRequest(`${path} is not a file`)
  if (attr.size > MAX_APP_FILE) throw badRequest(`${path} is larger than ${MAX_APP_FILE} bytes`)
  const fh = await drive.open(path, { write: false })
  try {
    return Buffer.from(await drive.read(fh, 0, attr.size))
  } finally {
    await drive.release(fh)
  }
}

/** Writes the whole file, making the folders above it (below `from`, which must exist or be made). */
export async function writeWhole(drive: Drive, from: string, path: string, bytes: Uint8Array): Promise<void> {
  await makeFolders(drive, from, path.slice(0, path.lastIndexOf('/')))
  const existing = await drive.getattr(path).catch(() => undefined)
  if (existing && existing.kind !== 'file') throw badRequest(`${path} is not a file`)
  const fh = existing
    ? await drive.open(path, { write: true, truncate: true })
    : await drive.create(path, 0o644)
  try {
    if (bytes.length > 0) await drive.write(fh, 0, bytes)
  } finally {
    await drive.release(fh)
  }
}

/** Makes `dir` and the folders above it down from the drive's root. */
export async function makeFolders(drive: Drive, from: string, dir: string): Promise<void> {
  const names = dir.split('/').filter(Boolean)
  let at = ''
  for (const name of names) {
    at = `${at}/${name}`
    const attr = await drive.getattr(at).catch(() => undefined)
    if (!attr) await drive.mkdir(at, 0o755)
    else if (attr.kind !== 'dir')
      throw badRequest(`${at.startsWith(from) ? at.slice(from.length + 1) : at} is not a folder`)
  }
}

export async function listDir(drive: Drive, path: string): Promise<AppDirEntry[]> {
  const attr = await drive.getattr(path)
  if (attr.kind !== 'dir') throw badRequest(`${path} is not a folder`)
  const out: AppDirEntry[] = []
  for (const name of await drive.readdir(path)) {
    const a = await drive.getattr(path === '/' ? `/${name}` : `${path}/${name}`).catch(() => undefined)
    if (!a) continue
    out.push({
      name,
      kind: a.kind === 'file' ? 'file' : a.kind === 'dir' ? 'dir' : 'other',
      size: a.kind === 'file' ? a.size : 0,
      modified_at: a.mtimeMs,
    })
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
}

/** Removes a file, or a folder with everything in it. */
export async function removeTree(drive: Drive, path: string): Promise<void> {
  const attr = await drive.getattr(path)
  if (attr.kind !== 'dir') return drive.unlink(path)
  for (const name of await drive.readdir(path)) await removeTree(drive, `${path}/${name}`)
  await drive.rmdir(path)
}

/** Bytes of the files under `path` (0 when it does not exist yet). */
export async function bytesUnder(drive: Drive, path: string): Promise<number> {
  const attr = await drive.getattr(path).catch(() => undefined)
  if (!attr) return 0
  if (attr.kind === 'file') return attr.size
  if (attr.kind !== 'dir') return 0
  let total = 0
  for (const name of await drive.readdir(path)) total += await bytesUnder(drive, `${path}/${name}`)
  return total
}

/** A file, or a folder with every file below it (paths relative to it), read whole from the drive. */
export async function gatherContent(drive: Drive, path: string, name: string): Promise<PublicContent> {
  const attr = await drive.getattr(path)
  if (attr.kind === 'file')
    return { kind: 'file', name, files: [{ path: '', bytes: await readWhole(drive, path) }] }
  const files: PublicContent['files'] = []
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await listDir(drive, dir)) {
      const sub = rel ? `${rel}/${entry.name}` : entry.name
      const full = dir === '/' ? `/${entry.name}` : `${dir}/${entry.name}`
      if (entry.kind === 'dir') await walk(full, sub)
      else if (entry.kind === 'file') files.push({ path: sub, bytes: await readWhole(drive, full) })
    }
  }
  await walk(path, '')
  return { kind: 'folder', name, files }
}
