// The Apps view in a real headless Chromium against a real drive node: an
// app's request shows up, the user's Grant button lets the waiting SDK app
// in, and the Revoke button shuts it out at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AccessRevokedError, PeerDriveApp } from 'peerdrive/sdk'
import { ensureDashboardBuilt } from '../../main/build/dashboard.ts'
import { tempDir } from '../helpers.ts'
import { startDriveNode } from '../core/account/support.ts'
import { openBrowser } from '../renderer/support.ts'

const WAIT = { timeout: 60_000 }

test('the Apps view grants a waiting app with its button, and revokes it', async (t) => {
  const home = await tempDir(t)
  const browser = await openBrowser(t)
  const node = await startDriveNode(t, [], { home, dashboardDir: ensureDashboardBuilt() })
  await node.create({ keyword: 'clicky', pin: '3579', password: 'buttons decide' })
  const asking = PeerDriveApp.requestAccess({
    manifest: {
      name: 'Gallery',
      version: '2.0.0',
      developer_wallet: 'cd'.repeat(32),
      usage_price: 0,
      permissions: { container: true, publish: true, storage_bytes: 2 ** 20 },
    },
    home,
    pollMs: 100,
  })

  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`${node.api.url}/#token=${node.api.token}&view=apps`)
  const request = page.getByTestId('app-request')
  await request.waitFor(WAIT)
  assert.match(
    await request.innerText(),
    /Gallery[\s\S]*its own folder, up to 1\.00 MiB[\s\S]*publish public data/,
  )
  await request.getByTestId('grant').click()

  const app = await asking
  await app.writeFile('hello.txt', 'granted by a click')
  assert.equal(await app.readText('hello.txt'), 'granted by a click')
  const granted = page.getByTestId('app-granted')
  await granted.waitFor(WAIT)
  assert.match(await granted.innerText(), /\/Apps\/Gallery-/)

  await granted.getByTestId('revoke').click()
  await page.getByText('Gallery 2.0.0: revoked').waitFor(WAIT)
  await assert.rejects(app.readText('hello.txt'), AccessRevokedError)
  assert.deepEqual(errors, [], 'no script errors in the page')
  await node.stop()
})
