import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MenuItemConstructorOptions } from 'electron'
import type { StatusResult } from '../../main/core/api/index.ts'
import {
  DONATION_PRESETS,
  coinLine,
  quitWarning,
  syncLine,
  trayMenuTemplate,
} from '../../main/app/tray-menu.ts'
import type { TrayActions, TrayState } from '../../main/app/tray-menu.ts'

const GiB = 2 ** 30

function status(sync: Partial<StatusResult['sync']> = {}, mounted = true): StatusResult {
  return {
    mounted,
    mount: mounted ? '/home/ada/PeerDrive' : null,
    sync: { state: 'synced', files_pending: 0, bytes_pending: 0, uploading: [], errors: [], ...sync },
    vault: { dir: '/v', donated_bytes: 10 * GiB, used_bytes: 0, chunks: 0 },
    peers: 4,
    network: { size: 5, repairs: 0, last_repair_at: null },
    peer_id: 'p',
    addresses: [],
  }
}

function recorder(): { actions: TrayActions; calls: unknown[][] } {
  const calls: unknown[][] = []
  const rec =
    (name: string) =>
    (...args: unknown[]) =>
      calls.push([name, ...args])
  return {
    calls,
    actions: {
      donate: rec('donate'),
      customDonation: rec('customDonation'),
      openDrive: rec('openDrive'),
      openWindow: rec('openWindow'),
      setFarmingPaused: rec('setFarmingPaused'),
      quit: rec('quit'),
    },
  }
}

function item(menu: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions {
  const found = menu.find((m) => m.id === id)
  assert.ok(found, `no menu item ${id}`)
  return found
}

function click(m: MenuItemConstructorOptions): void {
  ;(m.click as () => void)()
}

const base: TrayState = {
  status: status(),
  coins: { coins: 12, pending: 3 },
  donatedBytes: 10 * GiB,
  maxDonationBytes: 60 * GiB,
  farmingPaused: false,
}

test('the tray shows the sync line and the coin balance, not clickable', () => {
  const { actions } = recorder()
  const menu = trayMenuTemplate(base, actions)
  assert.deepEqual([item(menu, 'sync').label, item(menu, 'sync').enabled], ['Synced', false])
  assert.equal(item(menu, 'coins').label, 'Coins: 12 (+3 pending)')
  assert.equal(
    syncLine(status({ state: 'syncing', files_pending: 3, bytes_pending: 5 * 2 ** 20 })),
    'Syncing 3 files (5.00 MiB left)',
  )
  assert.equal(
    syncLine(status({ state: 'error', errors: [{ name: 'a', error: 'no vault answered' }] })),
    'Sync error: no vault answered',
  )
  assert.match(syncLine(status({ state: 'offline' })), /^Offline/)
  // fewer than R copies on other vaults is never "Synced"
  const degraded = [
    { name: 'a.bin', copies: 1, of: 4 },
    { name: 'b.bin', copies: 3, of: 4 },
  ]
  assert.equal(
    syncLine(status({ state: 'degraded', files_degraded: 2, degraded })),
    'Degraded: 2 files below 4 copies (1 of 4)',
  )
  assert.equal(
    syncLine(status({ state: 'degraded', files_degraded: 1, degraded: [{ name: 'c', copies: 0, of: 4 }] })),
    'Degraded: 1 file below 4 copies (0 of 4)',
  )
  assert.equal(syncLine(status({ state: 'synced', files_degraded: 1 })), 'Degraded: 1 file below 4 copies')
  assert.equal(
    item(
      trayMenuTemplate(
        { ...base, status: status({ state: 'degraded', files_degraded: 2, degraded }) },
        actions,
      ),
      'sync',
    ).label,
    'Degraded: 2 files below 4 copies (1 of 4)',
  )
  assert.match(syncLine(status({ state: 'no-drive' }, false)), /log in/)
  assert.equal(syncLine(null), 'Starting…')
  assert.equal(coinLine('unavailable'), 'Coins: wallet unavailable')
})

test('Donate offers radio presets up to what the disk allows, plus Custom', () => {
  const { actions, calls } = recorder()
  const donate = item(trayMenuTemplate(base, actions), 'donate').submenu as MenuItemConstructorOptions[]
  const radios = donate.filter((m) => m.type === 'radio')
  assert.deepEqual(
    radios.map((m) => m.label),
    ['5.00 GiB', '10.0 GiB', '25.0 GiB', '50.0 GiB', 'Custom…'],
  )
  assert.deepEqual(
    radios.filter((m) => m.checked).map((m) => m.label),
    ['10.0 GiB'],
  )
  click(radios[2]!)
  click(radios.at(-1)!)
  assert.deepEqual(calls, [['donate', 25 * GiB], ['customDonation']])
  assert.ok(DONATION_PRESETS.every((b, i, all) => i === 0 || b > all[i - 1]!))

  const custom = item(trayMenuTemplate({ ...base, donatedBytes: 7 * GiB }, actions), 'donate')
    .submenu as MenuItemConstructorOptions[]
  const checked = custom.filter((m) => m.checked)
  assert.equal(checked.length, 1)
  assert.equal(checked[0]!.label, 'Custom (7.00 GiB)…')
})

test('Open Drive needs a mount; Pause farming toggles, or says it is unavailable; Quit quits', () => {
  const { actions, calls } = recorder()
  const menu = trayMenuTemplate(base, actions)
  click(item(menu, 'open-drive'))
  click(item(menu, 'open-window'))
  click(item(menu, 'pause-farming'))
  click(item(menu, 'quit'))
  assert.deepEqual(calls, [['openDrive'], ['openWindow'], ['setFarmingPaused', true], ['quit']])
  const paused = trayMenuTemplate({ ...base, farmingPaused: true }, actions)
  assert.equal(item(paused, 'pause-farming').checked, true)
  const unmounted = trayMenuTemplate(
    { ...base, status: status({ state: 'no-drive' }, false), farmingPaused: null },
    actions,
  )
  assert.equal(item(unmounted, 'open-drive').enabled, false)
  assert.equal(item(unmounted, 'pause-farming').enabled, false)
  assert.match(item(unmounted, 'pause-farming').label!, /unavailable/)
})

test('quitting warns only when unsynced data would be left', () => {
  assert.equal(quitWarning(status()), null)
  assert.equal(quitWarning(null), null)
  assert.match(
    quitWarning(status({ state: 'syncing', files_pending: 2, bytes_pending: 2048 }))!,
    /^2 file\(s\) \(2\.00 KiB\)/,
  )
  assert.match(
    quitWarning(
      // the drive counts a degraded file as pending too
      status({
        state: 'degraded',
        files_pending: 1,
        bytes_pending: 1024,
        files_degraded: 1,
        degraded: [{ name: 'a', copies: 3, of: 4 }],
      }),
    )!,
    /^1 file below 4 copies \(3 of 4\) in the network/,
  )
})

test('the tray sets the upload and download limits in one click', () => {
  const changes: unknown[] = []
  const { actions } = recorder()
  const menu = trayMenuTemplate(
    { ...base, bandwidth: { upload: 512 * 1024, download: 0 } },
    { ...actions, setBandwidth: (change) => changes.push(change) },
  )
  const bandwidth = item(menu, 'bandwidth').submenu as MenuItemConstructorOptions[]
  const upload = bandwidth.find((i) => i.id === 'upload-limit')!
  const download = bandwidth.find((i) => i.id === 'download-limit')!
  assert.equal(upload.label, 'Upload: 512 KiB/s')
  assert.equal(download.label, 'Download: Unlimited')
  const uploadChoices = upload.submenu as MenuItemConstructorOptions[]
  assert.equal(uploadChoices.find((i) => i.checked)?.label, '512 KiB/s')
  click(uploadChoices.find((i) => i.label === 'Unlimited')!)
  click((download.submenu as MenuItemConstructorOptions[]).find((i) => i.label === '1 MiB/s')!)
  assert.deepEqual(changes, [{ upload: 0 }, { download: 1024 * 1024 }])
  assert.equal(
    trayMenuTemplate(base, actions).find((m) => m.id === 'bandwidth'),
    undefined,
    'absent while unknown',
  )
})
