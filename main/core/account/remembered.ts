// "Remember me on this device": the opened account's keys kept on disk, so
// the node opens the drive after a restart without the password. Off unless
// the user asks. The keys are sealed by a SecretSealer: in the desktop app,
// the OS keychain through Electron's safeStorage; headless there is no
// keychain, so the fallback relies on file permissions alone (0600) — anyone
// who can read this user's files can then open the account (docs/ACCOUNT.md).
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeKeys, encodeKeys } from './session-packet.ts'
import type { AccountKeys } from './session-packet.ts'

export interface SecretSealer {
  /** Named in the file, so keys sealed one way are never opened another. */
  readonly name: string
  seal(plain: Uint8Array): Uint8Array
  open(sealed: Uint8Array): Uint8Array
}

/** Headless fallback: no sealing, the file is readable by this user only. */
export const fileOnlySealer: SecretSealer = {
  name: 'file-permissions',
  seal: (plain) => Uint8Array.from(plain),
  open: (sealed) => Uint8Array.from(sealed),
}

export function rememberedFile(home: string): string {
  return join(home, 'account.remembered')
}

export async function remember(home: string, keys: AccountKeys, sealer: SecretSealer): Promise<void> {
  const plain = encodeKeys(keys)
  const doc = { format: 1, sealer: sealer.name, keys: Buffer.from(sealer.seal(plain)).toString('base64') }
  plain.fill(0)
  const path = rememberedFile(home)
  await writeFile(`${path}.tmp`, `${JSON.stringify(doc)}\n`, { mode: 0o600 })
  await rename(`${path}.tmp`, path)
}

/** The remembered keys, or undefined when none are kept (or they were sealed another way). */
export async function recall(home: string, sealer: SecretSealer): Promise<AccountKeys | undefined> {
  const text = await readFile(rememberedFile(home), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const doc = JSON.parse(text) as { format?: number; sealer?: string; keys?: string }
    if (doc.format !== 1 || doc.sealer !== sealer.name || typeof doc.keys !== 'string') return undefined
    const plain = sealer.open(Buffer.from(doc.keys, 'base64'))
    const keys = decodeKeys(plain)
    plain.fill(0)
    return keys
  } catch {
    return undefined
  }
}

/** Overwrites the remembered keys with zeros, then removes the file. */
export async function forget(home: string): Promise<void> {
  const path = rememberedFile(home)
  const handle = await open(path, 'r+').catch(() => undefined)
  if (handle) {
    try {
      const { size } = await handle.stat()
      await handle.write(Buffer.alloc(size), 0, size, 0)
      await handle.datasync()
    } finally {
      await handle.close()
    }
  }
  await rm(path, { force: true })
}
