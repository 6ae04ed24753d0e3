// Base of every PeerDrive error: a stable `name` per failure that callers and
// tests match on, and a human sentence in `message`.
export class PeerDriveError extends Error {
  constructor(name: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = name
  }
}

/** Bad input from a user (CLI flag, setting): shown as one line, never a stack trace. */
export class UsageError extends PeerDriveError {
  constructor(message: string) {
    super('UsageError', message)
  }
}
