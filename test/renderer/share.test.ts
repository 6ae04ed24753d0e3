// Sharing from the dashboard, in a real headless Chromium against a real
// drive node on a loopback network: the Files view shares a folder by a link
// that reads it, and its Revoke button shuts the link.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ensureDashboardBuilt } from '../../main/build/dashboard.ts'
import { callApi } from '../../main/core/api/index.ts'
import { tempDir } from '../helpers.ts'
import { everyAddress, startDriveNode, writeDriveFile } from '../core/account/support.ts'
import { meshUp, startNodes, waitFor } from '../core/net/support.ts'
import { openBrowser } from './support.ts'

const WAIT = { timeout: 60_000 }

test('Files shares a folder by a link that reads it, and revokes the link', async (t) => {
  const vaults = await startNodes(t, 4)
  const home = await tempDir(t)
  const node = await startDriveNode(t, everyAddress(vaults), { home, dashboardDir: ensureDashboardBuilt() })
  await meshUp([...vaults, node.node])
  await node.create({ keyword: 'linker', pin: '4455', password: 'share from the window' })
  await node.drive!.mkdir('/Recipes', 0o755)
  await writeDriveFile(node.drive!, '/Recipes/bread.txt', Buffer.from('flour, water, salt, time'))

  const browser = await openBrowser(t)
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`${node.api.url}/#token=${node.api.token}&view=files`)
  await page.getByTestId('share-path').fill('/Recipes')
  await page.getByTestId('share-expires').selectOption({ label: '30 days' })
  await page.getByTestId('share-create').click()
  const link = await page.getByTestId('share-link').inputValue(WAIT)
  assert.match(link, /^pds1:[A-Za-z0-9_-]{86}$/)
  assert.match(
    await page.getByTestId('share-note').innerText(),
    /Anyone with the link can read \/Recipes until/,
  )

  const endpoint = { port: node.api.port, token: node.api.token }
  const got = await callApi(endpoint, 'public-get', { address: link })
  assert.equal(Buffer.from(got.files[0]!.data, 'base64').toString(), 'flour, water, salt, time')
  const [share] = (await callApi(endpoint, 'share-list', {})).shares
  assert.ok(share!.expires_at! - share!.created_at === 30 * 86_400_000, 'the expiry picked')

  await page.getByTestId('share-revoke').click()
  await page.locator('[data-testid="share-row"][data-state="revoked"]').waitFor(WAIT)
  await assert.rejects(callApi(endpoint, 'public-get', { address: link }), /revoked/)
  assert.deepEqual(errors, [], 'no script errors in the page')
  await node.stop()
})

test('Files sends a folder to another account, whose Files view lists it under Shared with me and removes it', async (t) => {
  const vaults = await startNodes(t, 4)
  const dashboardDir = ensureDashboardBuilt()
  const owner = await startDriveNode(t, everyAddress(vaults), { home: await tempDir(t), dashboardDir })
  const reader = await startDriveNode(t, everyAddress(vaults), { home: await tempDir(t), dashboardDir })
  await meshUp([...vaults, owner.node, reader.node])
  await owner.create({ keyword: 'sender', pin: '4455', password: 'send from the window' })
  const friend = await reader.create({ keyword: 'receiver', pin: '6677', password: 'read in the window' })
  await owner.drive!.mkdir('/Recipes', 0o755)
  await writeDriveFile(owner.drive!, '/Recipes/bread.txt', Buffer.from('flour, water, salt, time'))
  await writeDriveFile(owner.drive!, '/menu.txt', Buffer.from('soup'))

  const browser = await openBrowser(t)
  const errors: string[] = []
  const ownerPage = await browser.newPage({ viewport: { width: 1200, height: 1000 } })
  ownerPage.on('pageerror', (e) => errors.push(e.message))
  await ownerPage.goto(`${owner.api.url}/#token=${owner.api.token}&view=files`)
  await ownerPage.getByTestId('share-path').fill('/Recipes')
  await ownerPage.getByTestId('share-with').fill(friend.account_id!)
  await ownerPage.getByTestId('share-create').click()
  await ownerPage
    .getByTestId('share-note')
    .filter({ hasText: /is sent to account/ })
    .waitFor(WAIT)
  const [sent] = (await callApi({ port: owner.api.port, token: owner.api.token }, 'share-list', {})).shares
  assert.equal(sent!.with, friend.account_id)

  const readerPage = await browser.newPage({ viewport: { width: 1200, height: 1000 } })
  readerPage.on('pageerror', (e) => errors.push(e.message))
  await reader.received.refresh()
  await readerPage.goto(`${reader.api.url}/#token=${reader.api.token}&view=files`)
  const row = readerPage.getByTestId('shared-row').filter({ hasText: 'Recipes' })
  await row.waitFor(WAIT)
  assert.match(await row.innerText(), /1 file, 24 B[\s\S]*from /)
  // a link given by hand opens beside it
  const { link } = await callApi({ port: owner.api.port, token: owner.api.token }, 'share-create', {
    path: '/menu.txt',
  })
  await readerPage.getByTestId('shared-link').fill(link)
  await readerPage.getByTestId('shared-add').click()
  await readerPage
    .getByTestId('shared-note')
    .filter({ hasText: /menu\.txt is in "Shared with me"/ })
    .waitFor(WAIT)
  assert.equal(await readerPage.getByTestId('shared-row').count(), 2)
  await row.getByTestId('shared-remove').click()
  await readerPage
    .getByTestId('shared-note')
    .filter({ hasText: /Recipes is no longer/ })
    .waitFor(WAIT)
  assert.deepEqual(
    reader.received.list().map((s) => s.name),
    ['menu.txt'],
  )
  assert.deepEqual(errors, [], 'no script errors in the page')
})

test('Files shares a folder for writing with another account, which can leave it; the owner stops sharing it', async (t) => {
  const vaults = await startNodes(t, 4)
  const dashboardDir = ensureDashboardBuilt()
  const owner = await startDriveNode(t, everyAddress(vaults), { home: await tempDir(t), dashboardDir })
  const member = await startDriveNode(t, everyAddress(vaults), { home: await tempDir(t), dashboardDir })
  await meshUp([...vaults, owner.node, member.node])
  await owner.create({ keyword: 'workshop', pin: '4455', password: 'a folder to build in' })
  const friend = await member.create({ keyword: 'builder', pin: '6677', password: 'building together' })
  await owner.drive!.mkdir('/Workshop', 0o755)
  await writeDriveFile(owner.drive!, '/Workshop/bench.txt', Buffer.from('oak'))

  const browser = await openBrowser(t)
  const errors: string[] = []
  const ownerPage = await browser.newPage({ viewport: { width: 1200, height: 1000 } })
  ownerPage.on('pageerror', (e) => errors.push(e.message))
  await ownerPage.goto(`${owner.api.url}/#token=${owner.api.token}&view=files`)
  await ownerPage.getByTestId('share-path').fill('/Workshop')
  await ownerPage.getByTestId('share-with').fill(friend.account_id!)
  await ownerPage.getByTestId('share-write').check()
  await ownerPage.getByTestId('share-create').click()
  await ownerPage
    .getByTestId('share-note')
    .filter({ hasText: /you both edit it/ })
    .waitFor(WAIT)
  const ownerRow = ownerPage.getByTestId('share-row').filter({ hasText: '/Workshop' })
  assert.match(await ownerRow.innerText(), /for writing/)

  const memberPage = await browser.newPage({ viewport: { width: 1200, height: 1000 } })
  memberPage.on('pageerror', (e) => errors.push(e.message))
  await waitFor(
    async () => {
      await member.received.refresh()
      return member.folders!.sharedWithMe().length === 1
    },
    120_000,
    'the folder to reach the member',
  )
  await memberPage.goto(`${member.api.url}/#token=${member.api.token}&view=files`)
  const row = memberPage.getByTestId('shared-row').filter({ hasText: 'Workshop' })
  await row.waitFor(WAIT)
  assert.match(await row.getByTestId('shared-write').innerText(), /you can edit it/)
  await row.getByTestId('shared-remove').click()
  await memberPage
    .getByTestId('shared-note')
    .filter({ hasText: /You left Workshop/ })
    .waitFor(WAIT)
  assert.deepEqual(member.folders!.sharedWithMe(), [])

  await ownerRow.getByTestId('share-revoke').click()
  await ownerPage
    .getByTestId('share-note')
    .filter({ hasText: /yours alone again/ })
    .waitFor(WAIT)
  assert.deepEqual(owner.folders!.sharedByMe(), [])
  assert.deepEqual(errors, [], 'no script errors in the page')
})
