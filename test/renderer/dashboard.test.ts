// The dashboard in a real headless Chromium against a real drive node on a real
// loopback network with a real FUSE mount: account creation through the UI,
// the donation applied to the vault, sync state following a write into the
// mount, a refused token, and screenshots of every view in both themes.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ensureDashboardBuilt } from '../../main/build/dashboard.ts'
import { randomBytes } from 'node:crypto'
import { chunkAddress } from '../../main/core/chunk-store.ts'
import { DriveNode } from '../../main/core/node/index.ts'
import type { PeerDriveNode } from '../../main/core/node/index.ts'
import { closeGroup } from '../../main/core/placement/index.ts'
import { OwnerKey } from '../../main/core/records/index.ts'
import { detachMount } from '../../native/mount-point.ts'
import { TEST_KDF, everyAddress } from '../core/account/support.ts'
import { meshUp, startNodes, waitFor } from '../core/net/support.ts'
import { openBrowser, recordSyncStates, screenshot } from './support.ts'

const MiB = 2 ** 20
const GiB = 2 ** 30
const VIEWS = ['overview', 'files', 'settings', 'account', 'logs'] as const
const WAIT = { timeout: 60_000 }
/** Every served chunk wins, so one GET served by this node's vault mints a coin. */
// (and vaults vouch for clients at once: they have not known each other the usual day)
// storage is paid for, as on any network the commands start: an hour's allowance covers this test's files
const EVERY_GET_WINS = {
  target: 1,
  proofIntervalMs: 3_600_000,
  clientMinAgeMs: 0,
  storagePrices: { earnBytes: 128 * 2 ** 20 },
}

/** Stores small chunks and reads them from a vault outside their group until `node`'s vault has served one. */
async function farmUntilPaid(vaults: PeerDriveNode[], node: DriveNode): Promise<void> {
  const all = [...vaults, node.node]
  for (let i = 0; i < 80 && node.node.farmer.balance().coins === 0; i++) {
    const bytes = randomBytes(2048)
    const address = chunkAddress(bytes)
    const group = closeGroup(address, node.node.peers.withSelf(), 4)
    if (group[0]?.key !== node.node.peers.self.key) continue
    await vaults[0]!.network.put(address, bytes)
    const reader = all.find((n) => !group.some((p) => p.key === n.peers.self.key))!
    await reader.network.get(address)
    await reader.farmer.settled()
    await node.node.farmer.settled()
  }
  await waitFor(() => node.node.farmer.balance().coins > 0, 30_000, 'a coin farmed by this vault')
}

/**
 * Waits for the node itself to say synced: on a busy machine 48 MiB to four
 * vaults can take well over a minute. A failure says where the sync stood.
 */
async function untilSynced(node: DriveNode, timeoutMs: number): Promise<void> {
  await waitFor(() => node.status().sync.state === 'synced', timeoutMs, 'synced').catch(() => {
    throw new Error(`not synced after ${timeoutMs / 1000} s: ${JSON.stringify(node.status().sync)}`)
  })
}

/** Writes into the mount from another process: this process serves the mount and must not block on it. */
function writeIntoMount(path: string, mib: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const dd = spawn('dd', ['if=/dev/urandom', `of=${path}`, 'bs=1M', `count=${mib}`, 'status=none'], {
      stdio: 'ignore',
    })
    dd.once('error', reject)
    dd.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dd exited with ${code}`))))
  })
}

test('the dashboard drives a real node: account, donation, sync, refused token, screenshots', async (t) => {
  const dashboardDir = ensureDashboardBuilt()
  const vaults = await startNodes(t, 5, { capacity: 256 * MiB, farming: EVERY_GET_WINS, paidStorage: true })
  // the chunks farmed on below are put by this vault, paid for by an account of its own
  vaults[0]!.payStorageAs(OwnerKey.generate())
  // not tempDir(t): the mount must be gone before the directory is removed
  const home = await mkdtemp(join(tmpdir(), 'peerdrive-test-'))
  const mount = join(home, 'mnt')
  await mkdir(mount)
  const node = await DriveNode.start({
    vaultDir: join(home, 'vault'),
    home,
    mount,
    capacity: 64 * MiB,
    // every vault, and the mesh waited for: syncing needs four of them, and one lost peer exchange must not hide them
    bootstrap: everyAddress(vaults),
    accounts: { kdf: TEST_KDF, lookupFloorMs: 20 },
    dashboardDir,
    farming: EVERY_GET_WINS,
    paidStorage: true,
  })
  t.after(async () => {
    await node.stop().catch(() => {})
    await detachMount(mount).catch(() => {})
    await rm(home, { recursive: true, force: true })
  })
  await meshUp([...vaults, node.node])

  const browser = await openBrowser(t)
  const errors: string[] = []
  const newPage = async () => {
    const p = await browser.newPage({ viewport: { width: 1100, height: 760 } })
    p.on('pageerror', (e) => errors.push(e.message))
    return p
  }
  const stranger = await newPage()

  // a bad token is refused by the API, and the page says so instead of showing data
  const refused = await fetch(`${node.api.url}/api/status`, {
    method: 'POST',
    headers: { authorization: 'Bearer not-the-token' },
  })
  assert.equal(refused.status, 401)
  await stranger.goto(`${node.api.url}/#token=not-the-token`)
  await stranger.getByTestId('fatal').waitFor(WAIT)
  assert.match(await stranger.getByTestId('fatal').innerText(), /refused/)
  await stranger.close()
  const csp = (await fetch(`${node.api.url}/`)).headers.get('content-security-policy') ?? ''
  assert.match(csp, /script-src 'self'/)

  // create the account through the Account view
  const page = await newPage()
  await page.goto(`${node.api.url}/#token=${node.api.token}&view=account`)
  await page.getByLabel('Create an account').check()
  await page.getByLabel('Keyword').fill('lighthouse')
  await page.getByLabel('PIN').fill('4821')
  await page.getByLabel('Password', { exact: true }).fill('salt spray over granite')
  await page.getByTestId('strength').waitFor(WAIT)
  await page.getByLabel('Password again').fill('salt spray over granite')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByTestId('account-id').waitFor(WAIT)
  assert.equal(node.accountStatus().logged_in, true)
  assert.equal(node.status().mounted, true)

  // the donated size set in Settings is the vault's cap at once
  await page.getByRole('tab', { name: 'Settings' }).click()
  const donation = page.getByTestId('donation-gib')
  await donation.fill('0.05')
  await donation.press('Tab')
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.getByTestId('settings-result').waitFor(WAIT)
  assert.equal(node.node.vault.stats().capacity, Math.round(0.05 * GiB))

  // pause farming reaches the node, and so does resuming it
  await page.getByLabel('Pause farming').click()
  await waitFor(() => node.node.farmer.paused, 30_000, 'farming to pause')
  await page.getByLabel('Pause farming').click()
  await waitFor(() => !node.node.farmer.paused, 30_000, 'farming to resume')

  // a file written into the mount turns the sync state to syncing, then synced
  await page.getByRole('tab', { name: 'Overview' }).click()
  await page.locator('[data-testid="sync-state"][data-state="synced"]').waitFor(WAIT)
  const syncStates = await recordSyncStates(page)
  await writeIntoMount(join(mount, 'holiday.bin'), 48)
  await waitFor(async () => (await syncStates()).includes('syncing'), 60_000, 'the Overview to show syncing')
  await untilSynced(node, 300_000)
  await page.locator('[data-testid="sync-state"][data-state="synced"]').waitFor(WAIT)
  const seen = await syncStates()
  assert.ok(seen.includes('syncing'), `sync states seen: ${seen.join(' → ')}`)
  assert.equal(seen.at(-1), 'synced')
  assert.equal(node.status().sync.state, 'synced')
  // what the account's files took of the allowance its vault earned
  await waitFor(
    () => (node.status().storage?.used_bytes ?? 0) >= 48 * MiB,
    60_000,
    'the balance to count the file',
  )
  await page
    .getByTestId('storage-balance')
    .filter({ hasText: /paid for of 128.0 MiB/ })
    .waitFor(WAIT)

  // the file is listed with its state; the wallet shows its figures or says it is unavailable
  await page.getByRole('tab', { name: 'Files' }).click()
  await page.getByTestId('file-row').filter({ hasText: '/holiday.bin' }).waitFor(WAIT)
  // coin earned appears after farming activity: this vault serves chunks to readers until it mints
  await page.getByRole('tab', { name: 'Overview' }).click()
  assert.equal(await page.getByTestId('coins').textContent(), `${node.node.farmer.balance().coins} coins`)
  await farmUntilPaid(vaults, node)
  const earned = node.node.farmer.balance()
  assert.ok(earned.coins >= 1 && earned.earned_today === earned.coins)
  await page.reload()
  await page.getByRole('tab', { name: 'Overview' }).click()
  await page
    .getByTestId('coins')
    .filter({ hasText: `${earned.coins} coins` })
    .waitFor(WAIT)
  await page.locator('[data-testid="coin-chart"] canvas').waitFor(WAIT)

  // the log viewer filters by level
  await page.getByRole('tab', { name: 'Logs' }).click()
  await page.locator('.line').first().waitFor(WAIT)
  await page.getByTestId('log-level').selectOption('warn')
  const levels = await page
    .locator('.line')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')))
  assert.ok(
    levels.every((l) => l === 'warn' || l === 'error'),
    `levels shown: ${levels.join(',')}`,
  )
  await page.getByTestId('log-level').selectOption('info')

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    for (const view of VIEWS) {
      await page.getByRole('tab', { name: new RegExp(`^${view}$`, 'i') }).click()
      await page.locator(`#tab-${view}[aria-selected="true"]`).waitFor(WAIT)
      await screenshot(page, `dashboard-${view}-${scheme}`)
    }
  }
  await page.setViewportSize({ width: 420, height: 800 })
  await page.getByRole('tab', { name: 'Overview' }).click()
  await screenshot(page, 'dashboard-overview-narrow')
  assert.deepEqual(errors, [], 'no script errors in the page')
})
