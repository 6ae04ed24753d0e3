// The drive's keys until accounts provide them: an owner signing seed (its
// root record is signed with it) and a symmetric key (seals the root
// pointer), kept in a file only this user can read. A second machine opens
// the same drive with a copy of this file.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { PeerDriveError } from '../errors.ts'

export interface DriveKeys {
  /** Ed25519 seed of the drive owner's signing key. */
  ownerSeed: Uint8Array
  /** 256-bit key sealing the root pointer. */
  encryptionKey: Uint8Array
}

export class DriveKeyError extends PeerDriveError {
  constructor(path: string) {
    super('DriveKeyInvalid', `${path} is not a PeerDrive drive key file`)
  }
}

export function newDriveKeys(): DriveKeys {
  return { ownerSeed: randomBytes(32), encryptionKey: randomBytes(32) }
}

export async function loadOrCreateDriveKeys(path: string): Promise<DriveKeys> {
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (text !== undefined) {
    try {
      const doc = JSON.parse(text) as { owner?: string; key?: string }
      const ownerSeed = Buffer.from(doc.owner ?? '', 'hex')
      const encryptionKey = Buffer.from(doc.key ?? '', 'hex')
      if (ownerSeed.length === 32 && encryptionKey.length === 32) return { ownerSeed, encryptionKey }
    } catch {
      // fall through to the error below
    }
    throw new DriveKeyError(path)
  }
  const keys = newDriveKeys()
  await mkdir(dirname(path), { recursive: true })
  const body = JSON.stringify({
    owner: Buffer.from(keys.ownerSeed).toString('hex'),
    key: Buffer.from(keys.encryptionKey).toString('hex'),
  })
  await writeFile(`${path}.tmp`, `${body}\n`, { mode: 0o600 })
  await rename(`${path}.tmp`, path)
  return keys
}
