// Refusals of a drive node that the API and the command line show as they are.
import { PeerDriveError } from '../errors.ts'

export class DegradedLogoutError extends PeerDriveError {
  constructor(files: number, of: number) {
    super(
      'DegradedLogout',
      `${files === 0 ? "the drive's latest changes have" : files === 1 ? '1 file has' : `${files} files have`} fewer than ${of} copies in the network; logout --force to leave anyway`,
    )
  }
}

export class UnsyncedLogoutError extends PeerDriveError {
  constructor(files: number) {
    super(
      'UnsyncedLogout',
      `${files} file(s) have not reached the network yet; wait for sync, or log out with force to discard them`,
    )
  }
}
