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

/**
 * What a failure is called where only its name is kept (a refusal list, a
 * log line): the error's name. A stream can also fail with something that is
 * no Error (an abort's Event), or with nothing at all; that is named too,
 * never left undefined.
 */
export function failureName(err: unknown): string {
  if (err instanceof Error) return err.name
  const name = (err as { name?: unknown } | null | undefined)?.name
  if (typeof name === 'string' && name !== '') return name
  if (err === undefined || err === null) return 'unknown failure'
  return typeof err === 'object' ? (err.constructor?.name ?? 'Object') : String(err)
}
