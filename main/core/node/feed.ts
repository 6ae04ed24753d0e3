// What the dashboard watches on a drive node: its recent log lines, its live
// events (status changes, account changes, notices) and the user's settings.
import type { AccountStatus, StatusResult } from '../api/index.ts'
import { EventHub, LogRing } from '../api/index.ts'
import type { DriveNodeOptions } from './options.ts'
import { SettingsStore } from '../settings/index.ts'

/** How often the status is compared with the last one pushed (only changes are sent): often enough for smooth progress bars. */
const STATUS_CHECK_MS = 250
/** Above this share of the donation the vault counts as full (the user is told once per crossing). */
const VAULT_FULL_SHARE = 0.98

export class NodeFeed {
  readonly logs = new LogRing()
  readonly events = new EventHub()
  readonly settings: SettingsStore
  private timer: NodeJS.Timeout | undefined
  private vaultFull = false

  constructor(home: string) {
    this.settings = new SettingsStore(home)
    this.logs.onEntry((entry) => this.events.emit({ type: 'log', entry }))
  }

  /** The node's options with its log lines, drive events and account changes copied into the feed. */
  wrap(opts: DriveNodeOptions, accountStatus: () => AccountStatus): DriveNodeOptions {
    const { log, onDriveEvent, onAccountChange } = opts
    return {
      ...opts,
      log: (line) => {
        this.logs.push(line)
        log?.(line)
      },
      onDriveEvent: (e) => {
        onDriveEvent?.(e)
        if (
          e.type === 'journal-full' ||
          e.type === 'sync-error' ||
          e.type === 'synced' ||
          e.type === 'conflict'
        )
          this.events.emit({ type: 'notice', kind: e.type, message: e.message })
        // A merge of another device's changes is logged by the drive itself, as routine.
        if (e.type !== 'committed' && e.type !== 'merged')
          this.logs.push(e.message, e.type === 'synced' ? 'info' : 'warn')
      },
      onAccountChange: (account) => {
        onAccountChange?.(account)
        this.events.emit({ type: 'account', account: accountStatus() })
      },
    }
  }

  /** Pushes the status whenever it changes (checked four times a second while someone listens). */
  watchStatus(status: () => StatusResult): void {
    this.timer = setInterval(() => this.checkStatus(status()), STATUS_CHECK_MS)
    this.timer.unref()
  }

  checkStatus(s: StatusResult): void {
    const full = s.vault.used_bytes >= VAULT_FULL_SHARE * s.vault.donated_bytes
    if (full && !this.vaultFull)
      this.events.emit({
        type: 'notice',
        kind: 'vault-full',
        message: 'Your vault is full: donate more space to keep earning',
      })
    this.vaultFull = full
    if (this.events.listenerCount > 0) this.events.emitStatusIfChanged({ type: 'status', status: s })
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
