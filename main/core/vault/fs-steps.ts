// The few file-system steps the vault's crash safety rests on, in one place.
import { createHash, randomBytes, webcrypto } from 'node:crypto'
import type { Stats } from 'node:fs'
import { lstatSync, statSync } from 'node:fs'
import { open, rm } from 'node:fs/promises'

export function errno(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Makes a directory's entries (a rename or create just done in it) survive power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes `bytes` to a new file at `path`, fsyncs it, and returns its stat taken after the fsync. */
export async function writeNewFile(path: string, bytes: Uint8Array): Promise<Stats> {
  const handle = await open(path, 'wx', 0o600)
  try {
    let written = 0
    while (written < bytes.byteLength) {
      written += (await handle.write(bytes, written, bytes.byteLength - written, written)).bytesWritten
    }
    await handle.sync()
    // Only after fsync has the file system allocated every block, so st_blocks is final.
    return await handle.stat()
  } finally {
    await handle.close()
  }
}

/** Stats without following links; undefined when the entry does not exist. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined
    throw error
  }
}

/** Stats following links (the vault root may be a symlink); undefined when the path does not exist. */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined
    throw error
  }
}

export async function removeEntry(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true })
}

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest()
}

/** SHA-256 on the libuv thread pool, leaving the main thread free to drive I/O meanwhile. */
export async function sha256OffThread(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await webcrypto.subtle.digest('SHA-256', bytes))
}

export function randomName(): string {
  return randomBytes(12).toString('hex')
}
