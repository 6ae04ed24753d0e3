// A node's libp2p identity: an Ed25519 key kept in its directory, so the peer
// id (and with it the node's place in the key space) survives restarts.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

export async function loadOrCreateKey(path: string): Promise<PrivateKey> {
  try {
    return privateKeyFromProtobuf(await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, path)
  return key
}
