import assert from 'node:assert/strict'
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { Vault } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'
import { MiB, randomChunk } from './support.ts'

function isUnreadable(pattern: RegExp) {
  return (error: Error) => {
    assert.equal(error.name, 'VaultUnreadable', `${error.name}: ${error.message}`)
    assert.doesNotMatch(error.message, /\n/)
    assert.match(error.message, /^vault at .* is unreadable: /)
    assert.match(error.message, pattern)
    return true
  }
}

test('a file where the vault directory should be is VaultUnreadable', async (t) => {
  const path = join(await tempDir(t), 'vault')
  await writeFile(path, 'not a directory')
  await assert.rejects(Vault.open(path), isUnreadable(/not a directory/))
  assert.equal(await readFile(path, 'utf8'), 'not a directory')
})

test('a vault path under a file is VaultUnreadable', async (t) => {
  const file = join(await tempDir(t), 'file')
  await writeFile(file, 'x')
  await assert.rejects(Vault.open(join(file, 'vault')), isUnreadable(/file|directory/))
})

test('a corrupt index file is VaultUnreadable, and left as it was', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const vault = await Vault.open(dir, { capacity: 8 * MiB })
  const c = randomChunk(100)
  await vault.put(c.address, c.bytes)
  await vault.close()
  const garbage = Buffer.alloc(64 * 1024, 'this is not sqlite ')
  await writeFile(join(dir, 'index.sqlite'), garbage)
  await assert.rejects(Vault.open(dir), isUnreadable(/index is not a valid SQLite database/))
  assert.deepEqual(await readFile(join(dir, 'index.sqlite')), garbage)
})

test('an index that is a directory is VaultUnreadable', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  await mkdir(join(dir, 'index.sqlite'), { recursive: true })
  await assert.rejects(Vault.open(dir), isUnreadable(/index/))
})

test('a vault subdirectory replaced by a file is VaultUnreadable', async (t) => {
  const dir = join(await tempDir(t), 'vault')
  const vault = await Vault.open(dir, { capacity: 8 * MiB })
  await vault.close()
  await rm(join(dir, 'chunks'), { recursive: true })
  await writeFile(join(dir, 'chunks'), 'x')
  await assert.rejects(Vault.open(dir), isUnreadable(/chunks is not a directory/))
})

test('a non-empty directory that is not a vault is refused, and nothing in it touched', async (t) => {
  const dir = await tempDir(t)
  await mkdir(join(dir, 'tmp'))
  await writeFile(join(dir, 'tmp', 'precious.txt'), 'keep me')
  await assert.rejects(Vault.open(dir), isUnreadable(/not a PeerDrive vault/))
  assert.equal(await readFile(join(dir, 'tmp', 'precious.txt'), 'utf8'), 'keep me')
})

test('a vault directory reached through a symlink opens normally', async (t) => {
  const root = await tempDir(t)
  await mkdir(join(root, 'real'))
  await symlink(join(root, 'real'), join(root, 'link'))
  const vault = await Vault.open(join(root, 'link'), { capacity: 8 * MiB })
  const c = randomChunk(100)
  await vault.put(c.address, c.bytes)
  await vault.close()
  const again = await Vault.open(join(root, 'real'))
  t.after(() => again.close())
  assert.equal(await again.has(c.address), true)
})
