// Named failures of the vault. Callers (network handlers, CLI, UI) match on
// `name`; every message is one line so it can be shown to a user as is.
import { PeerDriveError } from '../errors.ts'
import { toHex } from '../chunk-store.ts'
import { formatSize } from '../size.ts'

/** A PUT (of a chunk or a record) that would take the vault past its donated size (or the disk under it is out of space). */
export class VaultFullError extends PeerDriveError {
  readonly needed: number
  readonly free: number
  constructor(needed: number, free: number, detail?: string, item: 'chunk' | 'record' = 'chunk') {
    const room =
      free < 0
        ? `the vault is ${formatSize(-free)} over its capacity`
        : `only ${formatSize(free)} of the donated space is free`
    super('VaultFull', `vault is full: ${detail ?? `this ${item} needs ${formatSize(needed)} but ${room}`}`)
    this.needed = needed
    this.free = free
  }
}

/** The vault directory or its index cannot be used; the message says what and where. */
export class VaultUnreadableError extends PeerDriveError {
  readonly dir: string
  constructor(dir: string, reason: string, cause?: unknown) {
    super('VaultUnreadable', `vault at ${dir} is unreadable: ${oneLine(reason)}`, { cause })
    this.dir = dir
  }
}

/** Another process (or another Vault in this process) has the vault open. */
export class VaultBusyError extends PeerDriveError {
  readonly dir: string
  constructor(dir: string, cause?: unknown) {
    super('VaultBusy', `vault at ${dir} is already open in another PeerDrive process`, { cause })
    this.dir = dir
  }
}

/** An operation on a vault after close(). */
export class VaultClosedError extends PeerDriveError {
  constructor() {
    super('VaultClosed', 'vault is closed')
  }
}

/** A stored chunk failed its hash check on read; it has been quarantined and is gone from the vault. */
export class ChunkCorruptError extends PeerDriveError {
  readonly address: string
  constructor(address: Uint8Array | string, reason: string) {
    const hex = typeof address === 'string' ? address : toHex(address)
    super('ChunkCorrupt', `chunk ${hex} is corrupt on disk (${reason}) and was quarantined`)
    this.address = hex
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
