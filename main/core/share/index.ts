export { SHARE_PREFIX, ShareLinkError, isShareLink, parseShareLink, shareKeys, shareLink } from './link.ts'
export type { OpenedLink, ShareKeys } from './link.ts'
export {
  ShareClosedError,
  ShareUnreadableError,
  openShare,
  openShareIndex,
  putShareState,
  readShareState,
} from './sealed.ts'
export type { ShareState } from './sealed.ts'
export { Shares } from './shares.ts'
export type { ShareEntry, ShareHost } from './shares.ts'
export type { ShareSummary } from './summary.ts'
export { ReceivedShares, safeName, viewOf } from './received.ts'
export type { ReceivedEntry, ReceivedHost, ShareView } from './received.ts'
export { SHARED_DIR, SharedWithMeFs, withSharedWithMe } from './shared-fs.ts'
export type { ReceivedSummary } from './summary.ts'
export { SHARE_INBOX_PROTOCOL, ShareInbox, shareInboxKey } from './inbox.ts'
export { OfferBox } from './offer-box.ts'
export { MAX_OFFER_BYTES, isAccountId, openOffer, sealOffer } from './offer.ts'
export type { FolderKeys, ShareOffer } from './offer.ts'
export { SharedFolders } from './shared-folders.ts'
export type { SharedFoldersHost } from './shared-folders.ts'
export { moveFolderList } from './folder-list.ts'
export type { FolderEntry } from './folder-list.ts'
export { ACCOUNT_MOVED_RECORD, currentAccountId, publishForward } from './account-forward.ts'
