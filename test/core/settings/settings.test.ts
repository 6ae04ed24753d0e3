import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { SettingsStore, donationLimits, safetyMargin } from '../../../main/core/settings/index.ts'
import { MIN_CAPACITY } from '../../../main/core/vault/index.ts'
import { tempDir } from '../../helpers.ts'

const GiB = 2 ** 30

test('the donation is clamped to what the vault holds plus free space minus a margin', () => {
  assert.equal(safetyMargin(1000 * GiB), 50 * GiB)
  assert.equal(safetyMargin(10 * GiB), GiB)
  assert.equal(safetyMargin(GiB), GiB / 2, 'a tiny disk keeps half')
  const limits = donationLimits({ free: 100 * GiB, total: 1000 * GiB }, 5 * GiB)
  assert.equal(limits.max, 55 * GiB)
  assert.equal(limits.min, MIN_CAPACITY)
  assert.equal(donationLimits({ free: 0, total: 1000 * GiB }, 0).max, MIN_CAPACITY, 'never below the minimum')
})

test('settings survive a restart, and a damaged file means defaults', async (t) => {
  const home = await tempDir(t)
  const store = new SettingsStore(home)
  assert.deepEqual(await store.load(), { mount: undefined, start_at_login: false })
  await store.update({ mount: '/tmp/drive', start_at_login: true })
  assert.deepEqual(await new SettingsStore(home).load(), { mount: '/tmp/drive', start_at_login: true })
  await writeFile(join(home, 'settings.json'), '{oops')
  assert.deepEqual(await new SettingsStore(home).load(), {})
})
