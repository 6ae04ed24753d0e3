// Every constant that separates self-encryption's uses of a primitive from
// any other use of the same primitive (HKDF salts and infos, format tags).
// Changing any of these changes every chunk address, so they are versioned
// and live only here.

const text = new TextEncoder()

/** HKDF salt for per-chunk key material: binds derived keys to this scheme and version. */
export const CHUNK_KEY_SALT: Uint8Array = text.encode('peerdrive/selfenc/v1/chunk-key')

/** HKDF info: the 76 output bytes are AES key (32) ‖ nonce (12) ‖ synthetic-nonce key (32). */
export const CHUNK_KEY_INFO: Uint8Array = text.encode('peerdrive/selfenc/v1/aes-256-gcm key|nonce|siv-key')

/** First byte of the encrypted payload: how the plaintext was encoded before encryption. */
export const PAYLOAD_RAW = 0x00
export const PAYLOAD_ZSTD = 0x01

/** First byte of a serialized data map. */
export const DATA_MAP_FORMAT_VERSION = 1

/** Data map kinds (second byte of a serialized map). */
export const DATA_MAP_KIND_INLINE = 1
export const DATA_MAP_KIND_CHUNKED = 2

/** Text prefix of a handle: a root data map as one line users can copy. */
export const HANDLE_PREFIX = 'pd1:'
