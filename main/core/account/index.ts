// account/ owns self-authentication: credentials → argon2id → the session packet's location and seal, the sealed packet of account keys in the network, and "remember me".
export { Accounts, accountId } from './accounts.ts'
export type { AccountsOptions, OpenAccount, PacketStore, Rotation } from './accounts.ts'
export {
  ACCOUNT_KDF,
  MIN_PASSWORD_LENGTH,
  SESSION_RECORD,
  checkCredentials,
  checkPassword,
  deriveKeys,
} from './credentials.ts'
export type { Credentials, DerivedKeys, KdfParams } from './credentials.ts'
export { AccountExistsError, AccountNetworkError, NoAccountError, NotLoggedInError } from './errors.ts'
export { fileOnlySealer, forget, recall, remember, rememberedFile } from './remembered.ts'
export type { SecretSealer } from './remembered.ts'
export { SEALED_PACKET_BYTES, newAccountKeys, openPacket, sealPacket, wipeKeys } from './session-packet.ts'
export type { AccountKeys } from './session-packet.ts'
