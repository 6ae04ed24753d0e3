// Files on demand and bandwidth in the dashboard, in a real headless Chromium
// against the real API server: the Files view keeps a file on this device and
// frees it again, and says what the cache holds; Settings saves the cache
// limit and the upload and download limits.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ensureDashboardBuilt } from '../../main/build/dashboard.ts'
import { EventHub, startApiServer } from '../../main/core/api/index.ts'
import type {
  Handlers,
  RecentFile,
  Settings,
  SettingsChange,
  StatusResult,
} from '../../main/core/api/index.ts'
import { openBrowser } from './support.ts'

const WAIT = { timeout: 60_000 }
const MiB = 2 ** 20

const usage = {
  kept_files: 0,
  kept_file_bytes: 0,
  kept_bytes: 0,
  kept_chunks: 0,
  cached_bytes: 3 * MiB,
  cached_chunks: 3,
  limit_bytes: 2 ** 30,
}

const status = {
  mounted: true,
  mount: '/home/ada/PeerDrive',
  sync: { state: 'synced', files_pending: 0, bytes_pending: 0, uploading: [], errors: [] },
  vault: { dir: '/v', donated_bytes: 2 ** 30, used_bytes: 0, chunks: 0 },
  peers: 1,
  network: { size: 2, repairs: 0, last_repair_at: null },
  peer_id: 'p',
  addresses: [],
  cache: usage,
} as StatusResult

const photo: RecentFile = { path: '/photo.jpg', size: 5 * MiB, modified_at: Date.now(), sync: 'synced' }

test('Files keeps a file on this device and frees it; Settings saves the cache and bandwidth limits', async (t) => {
  const keptPaths = new Set<string>()
  const calls: string[] = []
  let settings: Settings = {
    donated_bytes: 2 ** 30,
    used_bytes: 0,
    max_donation_bytes: 2 ** 32,
    min_donation_bytes: 2 ** 28,
    disk_free_bytes: 2 ** 33,
    mount: '/home/ada/PeerDrive',
    start_at_login: false,
    history_days: 30,
    farming_paused: false,
    cache_limit_bytes: 2 ** 30,
    upload_bytes_per_s: 0,
    download_bytes_per_s: 0,
  }
  const changes: SettingsChange[] = []
  const handlers = {
    status: async () => status,
    'account-status': async () => ({ logged_in: true, account_id: 'ab'.repeat(32), remembered: false }),
    'files-recent': async () => ({ files: [photo] }),
    logs: async () => ({ entries: [] }),
    'settings-get': async () => settings,
    'settings-set': async (change: SettingsChange) => {
      changes.push(change)
      settings = { ...settings, ...change } as Settings
      return { settings, handoff: null }
    },
    'files-availability': async ({ paths }: { paths?: string[] }) => ({
      usage: { ...usage, kept_files: keptPaths.size, kept_bytes: keptPaths.size * photo.size },
      kept: (paths ?? []).map((path) => ({ path, kept: keptPaths.has(path) })),
    }),
    'files-keep': async ({ path }: { path: string }) => {
      calls.push(`keep ${path}`)
      keptPaths.add(path)
      return { path, files: 1, bytes: photo.size, missing: 0 }
    },
    'files-free': async ({ path }: { path: string }) => {
      calls.push(`free ${path}`)
      keptPaths.delete(path)
      return { path, freed_bytes: photo.size }
    },
  } as unknown as Handlers
  const browser = await openBrowser(t)
  const api = await startApiServer(handlers, { events: new EventHub(), staticDir: ensureDashboardBuilt() })
  t.after(() => api.close())
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))

  await page.goto(`${api.url}/#token=${api.token}&view=files`)
  await page.getByRole('button', { name: 'Keep /photo.jpg on this device' }).click(WAIT)
  await page.getByRole('button', { name: 'Free up space used by /photo.jpg' }).waitFor(WAIT)
  assert.match(await page.getByTestId('files-cache-use').innerText(), /1 kept file \(5(\.0+)? MiB\)/)
  await page.getByRole('button', { name: 'Free up space used by /photo.jpg' }).click()
  await page.getByRole('button', { name: 'Keep /photo.jpg on this device' }).waitFor(WAIT)
  assert.match(await page.getByRole('status').first().innerText(), /online only now; 5(\.0+)? MiB freed/)
  assert.deepEqual(calls, ['keep /photo.jpg', 'free /photo.jpg'])

  await page.getByRole('tab', { name: 'Settings' }).click()
  await page.getByTestId('cache-use').waitFor(WAIT)
  assert.match(
    await page.getByTestId('cache-use').innerText(),
    /Recently opened: 3(\.0+)? MiB of 1(\.0+)? GiB/,
  )
  await page.getByTestId('cache-limit-gib').fill('0.5')
  await page
    .getByTestId('cache-limit-gib')
    .locator('xpath=../..')
    .getByRole('button', { name: 'Save' })
    .click()
  await page.getByTestId('settings-result').waitFor(WAIT)
  await page.getByTestId('upload-kib').fill('512')
  await page.getByTestId('upload-kib').locator('xpath=../..').getByRole('button', { name: 'Save' }).click()
  await page.getByText('Now: upload 512').waitFor(WAIT)
  assert.deepEqual(changes, [{ cache_limit_bytes: 2 ** 29 }, { upload_bytes_per_s: 512 * 1024 }])
  assert.deepEqual(errors, [], 'no script errors in the page')
})
