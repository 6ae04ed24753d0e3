// Independent looks at a vault directory for the tests: what is really on
// disk, measured with the file system's own figures, not the vault's.
import { createHash, randomBytes } from 'node:crypto'
import { lstat, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chunkAddress } from '../../../main/core/chunk-store.ts'
import type { Vault } from '../../../main/core/vault/index.ts'

export const KiB = 1024
export const MiB = 1024 * 1024

export function randomChunk(size: number): { address: Uint8Array; bytes: Uint8Array; hex: string } {
  const bytes = randomBytes(size)
  const address = chunkAddress(bytes)
  return { address, bytes, hex: Buffer.from(address).toString('hex') }
}

/** Sum of st_blocks * 512 over the directory itself and everything below it. */
export async function bytesOnDisk(path: string): Promise<number> {
  const stat = await lstat(path)
  let total = stat.blocks * 512
  if (stat.isDirectory()) {
    for (const name of await readdir(path)) total += await bytesOnDisk(join(path, name))
  }
  return total
}

/** Every chunk file under chunks/, by hex name. */
export async function chunkFiles(vaultDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  const chunks = join(vaultDir, 'chunks')
  for (const shard of await readdir(chunks)) {
    for (const name of await readdir(join(chunks, shard))) files.set(name, join(chunks, shard, name))
  }
  return files
}

export function indexed(vault: Vault): Set<string> {
  return new Set([...vault.addresses()].map((a) => Buffer.from(a).toString('hex')))
}

/**
 * Index and disk agree: every row has a file whose bytes hash to its name,
 * every chunk file has a row, and tmp/ is empty. Returns the held addresses.
 */
export async function assertIndexMatchesDisk(vault: Vault): Promise<Set<string>> {
  const rows = indexed(vault)
  const files = await chunkFiles(vault.dir)
  const problems: string[] = []
  for (const hex of rows) {
    const file = files.get(hex)
    if (!file) {
      problems.push(`row without file: ${hex}`)
      continue
    }
    const digest = createHash('sha256')
      .update(await readFile(file))
      .digest('hex')
    if (digest !== hex) problems.push(`file does not hash to its name: ${hex}`)
  }
  for (const hex of files.keys()) if (!rows.has(hex)) problems.push(`file without row: ${hex}`)
  const tmp = await readdir(join(vault.dir, 'tmp'))
  if (tmp.length > 0) problems.push(`tmp/ not empty: ${tmp.join(', ')}`)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  return rows
}
