// The account's failures, each one sentence a user can act on.
import { PeerDriveError } from '../errors.ts'

/**
 * Wrong keyword, PIN or password, or no account at all: one message for
 * every case, so a guess learns nothing about which part was wrong or
 * whether the account exists.
 */
export class NoAccountError extends PeerDriveError {
  constructor() {
    super('NoAccount', 'no account with these credentials')
  }
}

export class AccountExistsError extends PeerDriveError {
  constructor() {
    super('AccountExists', 'an account with these credentials already exists: log in instead')
  }
}

export class AccountNetworkError extends PeerDriveError {
  constructor(what: string, cause?: unknown) {
    super('AccountNetwork', `could not ${what}: the network did not answer; try again when online`, { cause })
  }
}

/** The network refused the account's record as unpaid: the account has no storage allowance for it yet. */
export class AccountNotPaidError extends PeerDriveError {
  constructor(what: string, reason: string) {
    super('AccountNotPaid', `could not ${what}: ${reason}`)
  }
}

export class NotLoggedInError extends PeerDriveError {
  constructor() {
    super('NotLoggedIn', 'no account is open on this node: log in first')
  }
}
