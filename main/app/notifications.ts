// Which node events become desktop notifications, and with what words. Pure.
import type { ApiEvent } from '../core/api/index.ts'

export interface NotificationText {
  title: string
  body: string
}

/** The same notice is not repeated within this long. */
const REPEAT_AFTER_MS = 10 * 60_000

export class Notifier {
  private lastShown = new Map<string, number>()

  /** The notification to show for an event, or null (not worth interrupting for, or shown recently). */
  textFor(event: ApiEvent, now = Date.now()): NotificationText | null {
    if (event.type !== 'notice') return null
    const titles: Record<string, string> = {
      'vault-full': 'Your vault is full',
      'sync-error': 'PeerDrive cannot sync',
      'journal-full': 'PeerDrive is out of local space for changes',
      conflict: 'A file was edited on two devices at once',
      'app-request': 'An app asks for access to your PeerDrive',
      'share-received': 'Something was shared with you',
    }
    const title = titles[event.kind]
    if (!title) return null
    const key = `${event.kind}:${event.message}`
    const last = this.lastShown.get(key)
    if (last !== undefined && now - last < REPEAT_AFTER_MS) return null
    this.lastShown.set(key, now)
    return { title, body: event.message }
  }
}
