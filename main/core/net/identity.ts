// A node's libp2p identity: an Ed25519 key kept in its directory, so the peer
// id (and with it the node's place in the key space) survives restarts. On a
// network that asks its vaults' identities to carry work (id-work.ts), a new
// key is made with that work, and a kept key without it is replaced once.
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { hasIdWork, keyWithWork } from './id-work.ts'

export async function loadOrCreateKey(
  path: string,
  workBits = 0,
  log: (line: string) => void = () => {},
): Promise<PrivateKey> {
  let kept: PrivateKey | undefined
  try {
    kept = privateKeyFromProtobuf(await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (kept && hasIdWork(peerIdFromPrivateKey(kept), workBits)) return kept
  if (kept) log(`this identity carries less work than the network asks (${workBits} bits): making a new one`)
  else if (workBits > 0) log(`making this node's identity (${workBits} bits of work)`)
  const started = Date.now()
  const key = await keyWithWork(workBits)
  if (workBits > 0) log(`identity made in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  await mkdir(dirname(path), { recursive: true })
  // the key it replaces stays beside it: the chunks it held are the network's, but nothing is thrown away
  if (kept) await rename(path, `${path}.without-work`)
  const tmp = `${path}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, path)
  return key
}
