// Every constant that separates the records' uses of SHA-256 and Ed25519 from
// any other use of the same primitives in PeerDrive. Changing one changes every
// record address or invalidates every signature, so they are versioned and live
// only here.

const text = new TextEncoder()

/** Prefix of the hashed bytes of a record address: SHA-256(domain ‖ owner ‖ name). */
export const RECORD_ADDRESS_DOMAIN: Uint8Array = text.encode('peerdrive/record/v1/address')

/** Prefix of the bytes an owner signs; no other signature in PeerDrive starts with it. */
export const RECORD_SIGNATURE_DOMAIN: Uint8Array = text.encode('peerdrive/record/v1/signature')

/** First byte of an encoded record. */
export const RECORD_FORMAT_VERSION = 1
