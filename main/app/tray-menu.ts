// The tray's menu as data: built from the node's status, wallet and settings,
// with every click routed to an action. Pure, so it is tested without Electron.
import type { MenuItemConstructorOptions } from 'electron'
import { degradedSummary, degradedText } from '../core/api/index.ts'
import type { StatusResult } from '../core/api/index.ts'
import { formatSize } from '../core/size.ts'
import { bandwidthSubmenu } from './tray-bandwidth.ts'
import type { BandwidthLimits } from './tray-bandwidth.ts'

const GiB = 2 ** 30
/** The donation sizes offered in one click; larger ones than the disk allows are left out. */
export const DONATION_PRESETS = [5 * GiB, 10 * GiB, 25 * GiB, 50 * GiB, 100 * GiB, 250 * GiB]

export interface TrayState {
  status: StatusResult | null
  /** null while unknown; 'unavailable' when this node has no wallet. */
  coins: { coins: number; pending: number } | 'unavailable' | null
  donatedBytes: number
  maxDonationBytes: number
  /** null when the node cannot pause farming. */
  farmingPaused: boolean | null
  /** Upload and download limits (bytes/s, 0 unlimited); absent while unknown. */
  bandwidth?: BandwidthLimits
}

export interface TrayActions {
  donate(bytes: number): void
  customDonation(): void
  openDrive(): void
  openWindow(): void
  setFarmingPaused(paused: boolean): void
  setBandwidth?(change: Partial<BandwidthLimits>): void
  quit(): void
}

export function syncLine(status: StatusResult | null): string {
  if (!status) return 'Starting…'
  const s = status.sync
  const degraded = degradedSummary(s)
  // below R copies elsewhere is never "Synced": losing this device could lose those files
  if (degraded && (s.state === 'synced' || s.state === 'degraded'))
    return `Degraded: ${degradedText(degraded)}`
  switch (s.state) {
    case 'synced':
      return 'Synced'
    case 'syncing':
      return `Syncing ${s.files_pending} file${s.files_pending === 1 ? '' : 's'} (${formatSize(s.bytes_pending)} left)`
    case 'offline':
      return 'Offline: changes wait on this device'
    case 'error':
      return `Sync error: ${s.errors[0]?.error ?? 'unknown'}`
    default:
      return 'No drive open: log in from PeerDrive'
  }
}

export function coinLine(coins: TrayState['coins']): string {
  if (coins === null) return 'Coins: …'
  if (coins === 'unavailable') return 'Coins: wallet unavailable'
  return `Coins: ${coins.coins}${coins.pending > 0 ? ` (+${coins.pending} pending)` : ''}`
}

/** What quitting now would leave behind, as a warning; null when nothing would be lost. */
export function quitWarning(status: StatusResult | null): string | null {
  if (!status) return null
  // 'degraded' means only degraded files are left (the drive counts them as pending too)
  const degraded =
    status.sync.state === 'degraded' || status.sync.files_pending === 0 ? degradedSummary(status.sync) : null
  if (degraded)
    return `${degradedText(degraded)} in the network. They stay on this device and keep uploading at the next start, but until then fewer copies exist elsewhere.`
  if (status.sync.files_pending === 0) return null
  return `${status.sync.files_pending} file(s) (${formatSize(status.sync.bytes_pending)}) have not reached the network yet. They stay on this device and upload at the next start, but no other copy exists until then.`
}

export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const presets = DONATION_PRESETS.filter((b) => b <= state.maxDonationBytes)
  const isPreset = presets.includes(state.donatedBytes)
  const donate: MenuItemConstructorOptions[] = [
    ...presets.map((bytes): MenuItemConstructorOptions => ({
      label: formatSize(bytes),
      type: 'radio',
      checked: bytes === state.donatedBytes,
      click: () => actions.donate(bytes),
    })),
    { type: 'separator' },
    {
      label: isPreset ? 'Custom…' : `Custom (${formatSize(state.donatedBytes)})…`,
      type: 'radio',
      checked: !isPreset,
      click: () => actions.customDonation(),
    },
  ]
  return [
    { id: 'sync', label: syncLine(state.status), enabled: false },
    { id: 'coins', label: coinLine(state.coins), enabled: false },
    { type: 'separator' },
    { id: 'donate', label: 'Donate', submenu: donate },
    ...(state.bandwidth && actions.setBandwidth
      ? [
          {
            id: 'bandwidth',
            label: 'Bandwidth',
            submenu: bandwidthSubmenu(state.bandwidth, (change) => actions.setBandwidth!(change)),
          },
        ]
      : []),
    { type: 'separator' },
    {
      id: 'open-drive',
      label: 'Open Drive',
      enabled: state.status?.mounted === true,
      click: () => actions.openDrive(),
    },
    { id: 'open-window', label: 'Open PeerDrive', click: () => actions.openWindow() },
    {
      id: 'pause-farming',
      label: state.farmingPaused === null ? 'Pause farming (unavailable)' : 'Pause farming',
      type: 'checkbox',
      checked: state.farmingPaused === true,
      enabled: state.farmingPaused !== null,
      click: () => actions.setFarmingPaused(state.farmingPaused !== true),
    },
    { type: 'separator' },
    { id: 'quit', label: 'Quit PeerDrive', click: () => actions.quit() },
  ]
}
