// The tray's Bandwidth submenu: upload and download limits in one click each,
// as data (pure, tested without Electron). 0 is unlimited.
import type { MenuItemConstructorOptions } from 'electron'
import { formatSize } from '../core/size.ts'

const KiB = 1024
/** The limits offered, bytes per second. */
export const BANDWIDTH_PRESETS = [0, 128 * KiB, 512 * KiB, 1024 * KiB, 5 * 1024 * KiB, 10 * 1024 * KiB]

export interface BandwidthLimits {
  upload: number
  download: number
}

export function rateLabel(bytesPerSecond: number): string {
  if (bytesPerSecond === 0) return 'Unlimited'
  // whole KiB and MiB read better than formatSize's decimals in a menu
  if (bytesPerSecond % (1024 * KiB) === 0) return `${bytesPerSecond / (1024 * KiB)} MiB/s`
  if (bytesPerSecond % KiB === 0) return `${bytesPerSecond / KiB} KiB/s`
  return `${formatSize(bytesPerSecond)}/s`
}

export function bandwidthSubmenu(
  limits: BandwidthLimits,
  set: (change: Partial<BandwidthLimits>) => void,
): MenuItemConstructorOptions[] {
  const choices = (direction: keyof BandwidthLimits): MenuItemConstructorOptions[] => {
    const now = limits[direction]
    const offered = BANDWIDTH_PRESETS.includes(now) ? BANDWIDTH_PRESETS : [...BANDWIDTH_PRESETS, now]
    return offered.map((rate) => ({
      label: rateLabel(rate),
      type: 'radio',
      checked: rate === now,
      click: () => set({ [direction]: rate }),
    }))
  }
  return [
    { id: 'upload-limit', label: `Upload: ${rateLabel(limits.upload)}`, submenu: choices('upload') },
    { id: 'download-limit', label: `Download: ${rateLabel(limits.download)}`, submenu: choices('download') },
  ]
}
