// Routes a named command with untrusted JSON arguments to its handler.
import { PeerDriveError } from '../errors.ts'
import type { CommandName, Handlers } from './contract.ts'

export class ApiError extends PeerDriveError {
  readonly status: number
  constructor(status: number, message: string) {
    super('ApiError', message)
    this.status = status
  }
}

const validators: { [K in CommandName]: (args: unknown) => boolean } = {
  status: () => true,
  'set-donation': (a) =>
    Number.isSafeInteger((a as { bytes?: unknown })?.bytes) && (a as { bytes: number }).bytes > 0,
}

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(validators, name)
}

export async function dispatch(handlers: Handlers, name: string, args: unknown): Promise<unknown> {
  if (!isCommand(name)) throw new ApiError(404, `unknown command "${name}"`)
  if (!validators[name](args ?? {})) throw new ApiError(400, `bad arguments for "${name}"`)
  const handler = handlers[name] as (a: unknown) => Promise<unknown>
  return handler(args ?? {})
}
