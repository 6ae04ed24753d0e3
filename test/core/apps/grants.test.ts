// The grants kept on disk: answers and tokens survive a reload, a token is
// kept only as its hash, and a damaged list is set aside instead of keeping
// the node from starting.
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { GrantStore } from '../../../main/core/apps/grants.ts'
import { parseManifest } from '../../../main/core/apps/index.ts'
import { tempDir } from '../../helpers.ts'
import { manifest } from './support.ts'

test('grants and their tokens hold across a reload; the file holds no token', async (t) => {
  const home = await tempDir(t)
  const store = new GrantStore(home)
  await store.load()
  const { entry, token } = await store.request(parseManifest(manifest('Keeper')))
  await store.grant(entry.id, [])
  const again = new GrantStore(home)
  await again.load()
  assert.equal(again.byToken(token).state, 'granted')
  assert.throws(() => again.byToken(`${token}x`), { name: 'AppUnknownToken' })
  assert.ok(!(await readFile(join(home, 'apps.json'), 'utf8')).includes(token))
  await again.revoke(entry.id)
  const third = new GrantStore(home)
  await third.load()
  assert.equal(third.byToken(token).state, 'revoked')
})

test('a damaged list is set aside and the store starts empty', async (t) => {
  const home = await tempDir(t)
  await writeFile(join(home, 'apps.json'), '{"apps": [trunc')
  const store = new GrantStore(home)
  await store.load()
  assert.deepEqual(store.list(), [])
  assert.ok((await stat(join(home, 'apps.json.damaged'))).isFile())
})

test('a manifest is checked field by field', () => {
  assert.deepEqual(parseManifest(manifest('Fine')).permissions, {
    container: true,
    read_folders: false,
    publish: false,
    storage_bytes: 1 << 20,
  })
  for (const bad of [
    { ...manifest('x'), name: '../evil' },
    { ...manifest('x'), name: '' },
    { ...manifest('x'), developer_wallet: 'nope' },
    { ...manifest('x'), usage_price: -1 },
    { ...manifest('x'), usage_price: 0.5 },
    { ...manifest('x'), version: 'a b' },
    { ...manifest('x'), permissions: { container: 'yes' } },
    null,
  ])
    assert.throws(() => parseManifest(bad), { name: 'UsageError' })
})
