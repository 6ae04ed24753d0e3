// The dashboard's commands on a drive node: settings, log lines and recent files.
import type { Handlers, Settings } from './api/index.ts'
import { recentFiles } from './api/index.ts'
import { UsageError } from './errors.ts'
import type { DriveNode } from './node.ts'
import { diskSpace, donationLimits } from './settings/index.ts'
import { formatSize } from './size.ts'

type AppHandlers = Pick<Handlers, 'settings-get' | 'settings-set' | 'logs' | 'files-recent'>

export async function currentSettings(node: DriveNode): Promise<Settings> {
  const v = node.node.vault.stats()
  const limits = donationLimits(await diskSpace(node.node.vault.dir), v.used)
  const stored = node.feed.settings.get()
  return {
    donated_bytes: v.capacity,
    used_bytes: v.used,
    max_donation_bytes: limits.max,
    min_donation_bytes: limits.min,
    disk_free_bytes: limits.diskFree,
    mount: stored.mount ?? node.status().mount ?? node.mountPoint ?? null,
    start_at_login: stored.start_at_login === true,
    farming_paused: node.node.farmer.paused,
  }
}

/**
 * Sets the vault's donation within what the disk can honour: the one check
 * behind both set-donation and settings-set. Lowering it hands chunks off first.
 */
export async function changeDonation(
  n: DriveNode,
  bytes: number,
): Promise<{ excess: number; moved: number }> {
  const before = await currentSettings(n)
  if (bytes > before.max_donation_bytes)
    throw new UsageError(
      `at most ${formatSize(before.max_donation_bytes)} can be donated: the disk's free space minus a safety margin`,
    )
  if (bytes < before.min_donation_bytes)
    throw new UsageError(`the donation must be at least ${formatSize(before.min_donation_bytes)}`)
  const handoff = await n.node.setCapacity(bytes)
  n.feed.logs.push(
    `donation set to ${formatSize(bytes)}` +
      (handoff.moved > 0 ? `; handed ${handoff.moved} item(s) off to other vaults` : ''),
  )
  return handoff
}

export function appHandlers(node: () => DriveNode): AppHandlers {
  return {
    'settings-get': async () => currentSettings(node()),
    'settings-set': async (change) => {
      const n = node()
      let handoff: { excess: number; moved: number } | null = null
      if (change.donated_bytes !== undefined) handoff = await changeDonation(n, change.donated_bytes)
      const stored: { mount?: string; start_at_login?: boolean } = {}
      if (change.mount !== undefined) stored.mount = change.mount
      if (change.start_at_login !== undefined) stored.start_at_login = change.start_at_login
      if (Object.keys(stored).length > 0) await n.feed.settings.update(stored)
      const settings = await currentSettings(n)
      n.feed.events.emit({ type: 'settings', settings })
      n.feed.checkStatus(n.status())
      return { settings, handoff }
    },
    logs: async ({ level, limit }) => ({ entries: node().feed.logs.recent({ level, limit }) }),
    'files-recent': async ({ limit }) => {
      const drive = node().drive
      if (!drive) return { files: [] }
      const status = drive.status()
      const progress = new Map(status.uploading.map((u) => [u.ino, u]))
      const of = status.degraded[0]?.of ?? 4
      const pending = drive.db.pending().map((r) => ({
        ino: r.ino,
        error: r.state === 'error' ? (r.error ?? 'upload failed') : null,
        degraded: r.state === 'degraded' ? { copies: r.copies ?? 0, of } : undefined,
        done: progress.get(r.ino)?.done,
        total: progress.get(r.ino)?.total,
      }))
      return { files: await recentFiles(drive, pending, limit) }
    },
  }
}
