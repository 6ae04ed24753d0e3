// settings owns the user's choices kept across runs (mount point, start at login) and the limits on the donation.
import { readFile, rename, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MIN_CAPACITY } from '../vault/index.ts'

export interface StoredSettings {
  mount?: string
  start_at_login?: boolean
  /** Days of version history the drive keeps. */
  history_days?: number
  /** Bytes of recently read (not kept) chunks the drive's disk cache holds. */
  cache_limit_bytes?: number
  /** Bytes per second, 0 unlimited. */
  upload_bytes_per_s?: number
  download_bytes_per_s?: number
}

/** What the disk cache holds of files read lately unless the user says otherwise. */
export const DEFAULT_CACHE_LIMIT_BYTES = 2 ** 30

/** What stays free on the disk whatever the donation: 5% of it, at least 1 GiB (less on tiny disks). */
export function safetyMargin(diskBytes: number): number {
  return Math.min(Math.max(0.05 * diskBytes, 2 ** 30), 0.5 * diskBytes)
}

export interface DonationLimits {
  min: number
  max: number
  diskFree: number
}

/**
 * The largest donation the disk can honour: what the vault holds already plus
 * the disk's free space, minus the safety margin; never below the minimum.
 */
export function donationLimits(disk: { free: number; total: number }, vaultUsed: number): DonationLimits {
  const max = Math.floor(vaultUsed + disk.free - safetyMargin(disk.total))
  return { min: MIN_CAPACITY, max: Math.max(MIN_CAPACITY, max), diskFree: disk.free }
}

export async function diskSpace(dir: string): Promise<{ free: number; total: number }> {
  const s = await statfs(dir)
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize }
}

/** settings.json in the node's home, written atomically and readable only by this user. */
export class SettingsStore {
  private readonly path: string
  private current: StoredSettings = {}

  constructor(home: string) {
    this.path = join(home, 'settings.json')
  }

  async load(): Promise<StoredSettings> {
    const text = await readFile(this.path, 'utf8').catch(() => undefined)
    try {
      const doc = text ? (JSON.parse(text) as StoredSettings) : {}
      this.current = {
        mount: typeof doc.mount === 'string' ? doc.mount : undefined,
        start_at_login: doc.start_at_login === true,
        ...(Number.isSafeInteger(doc.history_days) && doc.history_days! >= 1
          ? { history_days: doc.history_days }
          : {}),
        ...countOf(doc, 'cache_limit_bytes'),
        ...countOf(doc, 'upload_bytes_per_s'),
        ...countOf(doc, 'download_bytes_per_s'),
      }
    } catch {
      // a damaged file means defaults, not a node that cannot start
      this.current = {}
    }
    return this.get()
  }

  get(): StoredSettings {
    return { ...this.current }
  }

  async update(change: StoredSettings): Promise<StoredSettings> {
    this.current = { ...this.current, ...change }
    await writeFile(`${this.path}.tmp`, JSON.stringify(this.current), { mode: 0o600 })
    await rename(`${this.path}.tmp`, this.path)
    return this.get()
  }
}

function countOf<K extends 'cache_limit_bytes' | 'upload_bytes_per_s' | 'download_bytes_per_s'>(
  doc: StoredSettings,
  key: K,
): Pick<StoredSettings, K> | Record<string, never> {
  const v = doc[key]
  return Number.isSafeInteger(v) && v! >= 0 ? ({ [key]: v } as Pick<StoredSettings, K>) : {}
}
