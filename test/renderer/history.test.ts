// The Files view's History panel in a real headless Chromium against the real
// API server: it lists a file's versions, restores one through files-restore,
// and finds a deleted file's versions by its path.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ensureDashboardBuilt } from '../../main/build/dashboard.ts'
import { EventHub, startApiServer } from '../../main/core/api/index.ts'
import type {
  FileVersion,
  FileVersions,
  Handlers,
  RecentFile,
  StatusResult,
} from '../../main/core/api/index.ts'
import { openBrowser } from './support.ts'

const WAIT = { timeout: 60_000 }
const now = Date.now()

const status = {
  mounted: true,
  mount: '/home/ada/PeerDrive',
  sync: { state: 'synced', files_pending: 0, bytes_pending: 0, uploading: [], errors: [] },
  vault: { dir: '/v', donated_bytes: 2 ** 30, used_bytes: 0, chunks: 0 },
  peers: 1,
  network: { size: 2, repairs: 0, last_repair_at: null },
  peer_id: 'p',
  addresses: [],
} as StatusResult

const notes: RecentFile = { path: '/notes.txt', size: 30, modified_at: now, sync: 'synced' }

test('History lists a file’s versions and restores one; a deleted file is found by its path', async (t) => {
  // the node's history as the stub keeps it: notes.txt with two versions, a deleted report with one
  const kept = new Map<string, { exists: boolean; versions: FileVersion[] }>([
    [
      '/notes.txt',
      {
        exists: true,
        versions: [
          { number: 2, at: now - 60_000, size: 30, device: 'laptop', current: true },
          { number: 1, at: now - 3_600_000, size: 12, device: 'desk', current: false },
        ],
      },
    ],
    [
      '/old/report.pdf',
      {
        exists: false,
        versions: [{ number: 1, at: now - 86_400_000, size: 4096, device: 'desk', current: false }],
      },
    ],
  ])
  const restores: { path: string; version?: number }[] = []
  const handlers = {
    status: async () => status,
    'account-status': async () => ({ logged_in: true, account_id: 'ab'.repeat(32), remembered: false }),
    'files-recent': async () => ({ files: [notes] }),
    logs: async () => ({ entries: [] }),
    'files-versions': async ({ path }: { path: string }): Promise<FileVersions> => ({
      path,
      ...(kept.get(path) ?? { exists: false, versions: [] }),
    }),
    'files-restore': async ({ path, version }: { path: string; version?: number }) => {
      restores.push({ path, version })
      const entry = kept.get(path)!
      const chosen = entry.versions.find((v) => v.number === version)!
      const next = { ...chosen, number: entry.versions.length + 1, at: Date.now(), current: true }
      entry.versions = [next, ...entry.versions.map((v) => ({ ...v, current: false }))]
      entry.exists = true
      return { path, restored: chosen, versions: entry.versions }
    },
  } as unknown as Handlers
  const browser = await openBrowser(t)
  const api = await startApiServer(handlers, { events: new EventHub(), staticDir: ensureDashboardBuilt() })
  t.after(() => api.close())
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))

  await page.goto(`${api.url}/#token=${api.token}&view=files`)
  await page.getByRole('button', { name: 'History of /notes.txt' }).click(WAIT)
  const panel = page.getByTestId('history-panel')
  await panel.getByTestId('version-row').first().waitFor(WAIT)
  assert.equal(await panel.getByTestId('version-row').count(), 2)
  assert.match(await panel.getByTestId('version-row').first().innerText(), /2\s.*30 B\s+laptop\s+Current/s)
  assert.equal(
    await panel.getByRole('button', { name: 'Restore version 2' }).count(),
    0,
    'the current one has none',
  )

  await panel.getByRole('button', { name: 'Restore version 1' }).click()
  await panel.getByTestId('history-result').waitFor(WAIT)
  assert.deepEqual(restores, [{ path: '/notes.txt', version: 1 }])
  assert.equal(await panel.getByTestId('version-row').count(), 3)
  assert.match(await panel.getByTestId('version-row').first().innerText(), /3\s.*12 B.*Current/s)

  // a deleted file: found by its path, restored, and no longer said to be deleted
  await page.getByTestId('history-find').fill('old/report.pdf')
  await page.getByRole('button', { name: 'Show history' }).click()
  await panel.getByTestId('history-deleted').waitFor(WAIT)
  assert.match(await panel.innerText(), /History of \/old\/report\.pdf/)
  await panel.getByRole('button', { name: 'Restore version 1' }).click()
  await panel.getByTestId('history-result').waitFor(WAIT)
  assert.equal(await panel.getByTestId('history-deleted').count(), 0)
  assert.deepEqual(restores[1], { path: '/old/report.pdf', version: 1 })
  assert.deepEqual(errors, [], 'no script errors in the page')
})
