// The desktop app's Electron main process, kept thin: one instance, the node
// in-process, a tray, a hidden-on-close window showing the dashboard, desktop
// notifications, and sleep/wake handling. Everything with logic lives in
// main/core or in this folder's pure modules (tray-menu, ipc, notifications).
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  ipcMain,
  nativeImage,
  powerMonitor,
  shell,
} from 'electron'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ensureDashboardBuilt } from '../build/dashboard.ts'
import { dispatch } from '../core/api/index.ts'
import type { ApiEvent } from '../core/api/index.ts'
import { DriveNode, currentSettings, driveNodeHandlers } from '../core/node/index.ts'
import { defaultHome, defaultVaultDir } from '../core/paths.ts'
import { desktopListen } from '../core/net/host.ts'
import { DEFAULT_ID_WORK_BITS } from '../core/net/id-work.ts'
import { probeMount } from '../../native/mount-point.ts'
import { CALL_CHANNEL, EVENT_CHANNEL, SHOW_CHANNEL, handleCall, showablePath } from './ipc.ts'
import { keychainSealer } from './keychain-sealer.ts'
import { Notifier } from './notifications.ts'
import { quitWarning, trayMenuTemplate } from './tray-menu.ts'
import type { TrayState } from './tray-menu.ts'

const here = new URL('.', import.meta.url).pathname
/** No FUSE driver is wired up on Windows yet: the vault runs, the drive is not mounted. */
const CAN_MOUNT = process.platform !== 'win32'

if (!app.requestSingleInstanceLock()) app.quit()
else void main()

async function main(): Promise<void> {
  await app.whenReady()
  const home = defaultHome()
  const bootstrap = (process.env.PEERDRIVE_BOOTSTRAP ?? '').split(/[\s,]+/).filter(Boolean)
  const node = await DriveNode.start({
    vaultDir: defaultVaultDir(),
    home,
    // the network's vaults keep only chunks paid for; this node's account pays for its drive
    paidStorage: true,
    // joining a network of strangers, this vault's id carries the work that prices its place
    idWorkBits: bootstrap.length > 0 ? DEFAULT_ID_WORK_BITS : 0,
    mount: CAN_MOUNT ? join(homedir(), 'PeerDrive') : undefined,
    dashboardDir: ensureDashboardBuilt(),
    bootstrap,
    // PEERDRIVE_LOOPBACK=1 keeps the node on this machine even when it joins a network
    listen: desktopListen(bootstrap, process.env.PEERDRIVE_LOOPBACK === '1'),
    sealer: keychainSealer(),
  })
  const handlers = driveNodeHandlers(() => node)
  const dashboard = `${node.api.url}/#token=${node.api.token}`
  const notifier = new Notifier()
  let window: BrowserWindow | undefined
  let quitting = false

  const state: TrayState = {
    status: node.status(),
    coins: null,
    donatedBytes: node.node.vault.stats().capacity,
    maxDonationBytes: (await currentSettings(node)).max_donation_bytes,
    farmingPaused: node.node.farmer.paused,
    bandwidth: node.node.bandwidth.limits(),
  }

  function openWindow(view?: string): void {
    if (!window) {
      window = new BrowserWindow({
        width: 1100,
        height: 760,
        title: 'PeerDrive',
        show: false,
        webPreferences: {
          preload: join(here, 'preload.cts'),
          contextIsolation: true,
          sandbox: true,
          nodeIntegration: false,
          webSecurity: true,
        },
      })
      // the page may not navigate away or open windows; links open in the browser
      window.webContents.on('will-navigate', (e) => e.preventDefault())
      window.webContents.setWindowOpenHandler(({ url }) => {
        if (/^https?:/.test(url)) void shell.openExternal(url)
        return { action: 'deny' }
      })
      window.on('close', (e) => {
        if (quitting) return
        e.preventDefault()
        window?.hide()
      })
      void window.loadURL(view ? `${dashboard}&view=${view}` : dashboard)
      window.once('ready-to-show', () => window?.show())
      if (!CAN_MOUNT)
        void dialog.showMessageBox(window, {
          message: 'PeerDrive cannot mount the drive on Windows yet',
          detail: 'Your vault still serves the network and earns coin.',
        })
      return
    }
    if (view) void window.loadURL(`${dashboard}&view=${view}`)
    window.show()
    window.focus()
  }

  const tray = new Tray(nativeImage.createFromPath(join(here, 'icon.png')))
  tray.setToolTip('PeerDrive')
  function refreshTray(): void {
    tray.setContextMenu(
      Menu.buildFromTemplate(
        trayMenuTemplate(state, {
          donate: (bytes) =>
            void dispatch(handlers, 'settings-set', { donated_bytes: bytes }).catch(showError),
          customDonation: () => openWindow('settings'),
          openDrive: () => void (state.status?.mount && shell.openPath(state.status.mount)),
          openWindow: () => openWindow(),
          setFarmingPaused: (paused) =>
            void dispatch(handlers, 'farming-pause', { paused })
              .then((r) => ((state.farmingPaused = (r as { paused: boolean }).paused), refreshTray()))
              .catch(showError),
          setBandwidth: (change) =>
            void dispatch(handlers, 'settings-set', {
              ...(change.upload === undefined ? {} : { upload_bytes_per_s: change.upload }),
              ...(change.download === undefined ? {} : { download_bytes_per_s: change.download }),
            }).catch(showError),
          quit: () => void quit(),
        }),
      ),
    )
  }

  let walletReadAt = 0
  async function refreshWallet(): Promise<void> {
    walletReadAt = Date.now()
    try {
      const b = (await dispatch(handlers, 'wallet-balance', {})) as {
        coins: number
        pending: number
      }
      state.coins = { coins: b.coins, pending: b.pending }
      state.farmingPaused ??= false
    } catch {
      state.coins = 'unavailable'
    }
  }

  function showError(err: unknown): void {
    new Notification({ title: 'PeerDrive', body: (err as Error).message }).show()
  }

  async function quit(): Promise<void> {
    const warning = quitWarning(node.status())
    if (warning) {
      const { response } = await dialog.showMessageBox({
        type: 'warning',
        message: 'Quit with files not yet synced?',
        detail: warning,
        buttons: ['Wait for sync', 'Quit anyway'],
        defaultId: 0,
        cancelId: 0,
      })
      if (response === 0) return
    }
    quitting = true
    tray.destroy()
    await node.stop()
    app.exit(0)
  }

  node.feed.events.on((event: ApiEvent) => {
    window?.webContents.send(EVENT_CHANNEL, event)
    const text = notifier.textFor(event)
    if (text && Notification.isSupported()) new Notification(text).show()
    if (event.type === 'status') {
      state.status = event.status
      state.donatedBytes = event.status.vault.donated_bytes
      // the wallet has no events: re-read with the status, but not more than every few seconds
      if (Date.now() - walletReadAt > 5_000) void refreshWallet().then(refreshTray)
      else refreshTray()
    }
    if (event.type === 'settings') {
      state.maxDonationBytes = event.settings.max_donation_bytes
      state.bandwidth = {
        upload: event.settings.upload_bytes_per_s,
        download: event.settings.download_bytes_per_s,
      }
      refreshTray()
      app.setLoginItemSettings({ openAtLogin: event.settings.start_at_login })
    }
  })

  ipcMain.handle(CALL_CHANNEL, (e, command: unknown, args: unknown) =>
    handleCall(handlers, e.senderFrame?.url ?? '', node.api.url, command, args),
  )
  ipcMain.handle(SHOW_CHANNEL, (e, path: unknown) => {
    if (new URL(e.senderFrame?.url ?? 'about:blank').origin !== node.api.url) return
    const target = showablePath(path, node.status().mount)
    if (target) shell.showItemInFolder(target)
  })

  // before sleep, push what can be pushed; after wake, check the mount survived
  powerMonitor.on('suspend', () => void node.drive?.syncAll(5_000).catch(() => {}))
  powerMonitor.on('resume', () => {
    const mount = node.status().mount
    if (mount)
      void probeMount(mount).then((probe) => {
        if (probe !== 'alive')
          showError(new Error(`the drive at ${mount} did not survive sleep (${probe}); restart PeerDrive`))
      })
  })

  app.on('second-instance', () => openWindow())
  app.on('window-all-closed', () => {
    // the tray keeps the app alive
  })
  app.on('before-quit', (e) => {
    if (!quitting) {
      e.preventDefault()
      void quit()
    }
  })

  await refreshWallet()
  refreshTray()
  app.setLoginItemSettings({ openAtLogin: node.feed.settings.get().start_at_login === true })
  if (!node.accountStatus().logged_in) openWindow('account')
}
