// Why the node refuses an app's call: each refusal has its own name and the
// HTTP status the app sees.
import { PeerDriveError } from '../errors.ts'

export class AppRefusedError extends PeerDriveError {
  readonly status: number
  constructor(name: string, status: number, message: string) {
    super(name, message)
    this.status = status
  }
}

export const unknownToken = (): AppRefusedError =>
  new AppRefusedError('AppUnknownToken', 401, 'missing or unknown app token')
export const revoked = (): AppRefusedError =>
  new AppRefusedError('AppRevoked', 401, "the user revoked this app's access")
export const pending = (): AppRefusedError =>
  new AppRefusedError('AppPending', 403, "the user has not answered this app's request yet")
export const denied = (): AppRefusedError =>
  new AppRefusedError('AppDenied', 403, "the user denied this app's request")
export const notGranted = (what: string): AppRefusedError =>
  new AppRefusedError('AppNotGranted', 403, `not granted to this app: ${what}`)
export const badPath = (why: string): AppRefusedError =>
  new AppRefusedError('AppBadPath', 400, `bad path: ${why}`)
export const overBudget = (budget: number): AppRefusedError =>
  new AppRefusedError('AppOverBudget', 507, `the app's storage budget of ${budget} bytes is used up`)
export const tooLarge = (limit: number): AppRefusedError =>
  new AppRefusedError('AppTooLarge', 413, `request larger than ${limit} bytes`)
export const notFound = (what: string): AppRefusedError =>
  new AppRefusedError('AppNotFound', 404, `not found: ${what}`)
export const badRequest = (what: string): AppRefusedError => new AppRefusedError('AppBadRequest', 400, what)
export const tooManyRequests = (): AppRefusedError =>
  new AppRefusedError('AppTooManyRequests', 429, 'too many app requests are waiting for the user')
export const noDrive = (): AppRefusedError =>
  new AppRefusedError('AppNoDrive', 409, 'no drive is open on this node: the user must log in first')
