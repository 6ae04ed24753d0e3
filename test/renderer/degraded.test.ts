// The dashboard in a real headless Chromium against the real API server: a
// node that reports files below R copies on other vaults shows "Degraded" on
// the Overview and "Degraded (k of 4)" in the Files view, never "Synced".
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { ensureDashboardBuilt } from '../../main/build/dashboard.ts'
import { EventHub, startApiServer } from '../../main/core/api/index.ts'
import type { Handlers, RecentFile, StatusResult } from '../../main/core/api/index.ts'
import { openBrowser } from './support.ts'

const WAIT = { timeout: 60_000 }

function status(sync: Partial<StatusResult['sync']>): StatusResult {
  return {
    mounted: true,
    mount: '/home/ada/PeerDrive',
    sync: { state: 'synced', files_pending: 0, bytes_pending: 0, uploading: [], errors: [], ...sync },
    vault: { dir: '/v', donated_bytes: 2 ** 30, used_bytes: 3 * 2 ** 20, chunks: 3 },
    peers: 1,
    network: { size: 2, repairs: 0, last_repair_at: null },
    peer_id: 'p',
    addresses: [],
  }
}

async function dashboard(t: TestContext, current: () => StatusResult, files: RecentFile[]) {
  const handlers = {
    status: async () => current(),
    'account-status': async () => ({ logged_in: true, account_id: 'ab'.repeat(32), remembered: false }),
    'files-recent': async () => ({ files }),
    logs: async () => ({ entries: [] }),
  } as unknown as Handlers
  // the browser first: clean-ups run in the order registered, and the server's close waits for the page's event socket
  const browser = await openBrowser(t)
  const api = await startApiServer(handlers, { events: new EventHub(), staticDir: ensureDashboardBuilt() })
  t.after(() => api.close())
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  return { api, page, errors }
}

const now = Date.now()
const photo: RecentFile = { path: '/photos/beach.jpg', size: 3 * 2 ** 20, modified_at: now, sync: 'synced' }
const notes: RecentFile = { path: '/notes.txt', size: 120, modified_at: now - 1000, sync: 'synced' }
const report: RecentFile = {
  path: '/report.pdf',
  size: 2048,
  modified_at: now - 2000,
  sync: 'degraded',
  copies: 2,
  of: 4,
}

test('files below four copies elsewhere read as degraded on the Overview and in Files', async (t) => {
  const degraded = status({
    state: 'degraded',
    files_degraded: 2,
    degraded: [
      { name: 'beach.jpg', copies: 1, of: 4 },
      { name: 'report.pdf', copies: 2, of: 4 },
    ],
  })
  const { api, page, errors } = await dashboard(t, () => degraded, [photo, notes, report])
  await page.goto(`${api.url}/#token=${api.token}&view=overview`)
  const badge = page.locator('[data-testid="sync-state"][data-state="degraded"]')
  await badge.waitFor(WAIT)
  assert.equal((await badge.innerText()).trim(), 'Degraded')
  assert.match(await page.getByTestId('sync-degraded').innerText(), /^2 files below 4 copies \(1 of 4\)/)

  await page.getByRole('tab', { name: 'Files' }).click()
  await page.getByTestId('files-degraded').waitFor(WAIT)
  const row = (path: string) => page.getByTestId('file-row').filter({ hasText: path })
  assert.equal(
    (await row('/photos/beach.jpg').getByTestId('file-degraded').innerText()).trim(),
    'Degraded (1 of 4)',
  )
  assert.equal(
    (await row('/report.pdf').getByTestId('file-degraded').innerText()).trim(),
    'Degraded (2 of 4)',
  )
  assert.equal(await row('/notes.txt').getByTestId('file-degraded').count(), 0)
  assert.match(await row('/notes.txt').innerText(), /Synced/)
  assert.match(await page.getByTestId('files-degraded').innerText(), /beach\.jpg: degraded \(1 of 4\)/)
  assert.deepEqual(errors, [], 'no script errors in the page')
})

test('a node that says synced while it counts degraded files is shown degraded; one without the fields, synced', async (t) => {
  let current = status({ state: 'synced', files_degraded: 1 })
  const { api, page, errors } = await dashboard(t, () => current, [notes])
  await page.goto(`${api.url}/#token=${api.token}&view=overview`)
  await page.locator('[data-testid="sync-state"][data-state="degraded"]').waitFor(WAIT)
  assert.match(await page.getByTestId('sync-degraded').innerText(), /^1 file below 4 copies on other vaults/)

  current = status({ state: 'synced' })
  await page.reload()
  await page.locator('[data-testid="sync-state"][data-state="synced"]').waitFor(WAIT)
  assert.equal(await page.getByTestId('sync-degraded').count(), 0)
  assert.deepEqual(errors, [], 'no script errors in the page')
})
