// A handle: the root data map as one line of text a user can copy, paste and
// keep. Whoever holds it can read the file, so it is as secret as the file.
import { HANDLE_PREFIX } from './domains.ts'
import type { DataMap } from './data-map.ts'
import { parseDataMap, ROOT_MAX_CHUNKS, serializeDataMap, serializedChunkedLength } from './data-map.ts'
import { DataMapInvalidError } from './errors.ts'

/** Longest handle accepted: a root map has at most 3 entries. */
const MAX_HANDLE_CHARS = HANDLE_PREFIX.length + Math.ceil((serializedChunkedLength(ROOT_MAX_CHUNKS) * 4) / 3)

const BASE64URL = /^[A-Za-z0-9_-]*$/

function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

function checkRoot(map: DataMap): void {
  if (map.kind === 'chunked' && map.chunks.length > ROOT_MAX_CHUNKS) {
    throw new DataMapInvalidError(
      `a handle holds a root map of at most ${ROOT_MAX_CHUNKS} entries, this one has ${map.chunks.length}`,
    )
  }
}

export function encodeHandle(map: DataMap): string {
  checkRoot(map)
  return HANDLE_PREFIX + Buffer.from(serializeDataMap(map)).toString('base64url')
}

/** Parses a handle; surrounding whitespace is ignored, anything else wrong throws DataMapInvalidError. */
export function decodeHandle(text: string): DataMap {
  if (typeof text !== 'string') throw new DataMapInvalidError('a handle must be text')
  const trimmed = text.trim()
  if (!trimmed.startsWith(HANDLE_PREFIX)) {
    throw new DataMapInvalidError(
      `${shown(trimmed)} is not a PeerDrive handle (it must start with "${HANDLE_PREFIX}")`,
    )
  }
  if (trimmed.length > MAX_HANDLE_CHARS) {
    throw new DataMapInvalidError(
      `handle is ${trimmed.length} characters; a root map (at most ${ROOT_MAX_CHUNKS} entries) needs at most ${MAX_HANDLE_CHARS}`,
    )
  }
  const body = trimmed.slice(HANDLE_PREFIX.length)
  // Node's base64url decoder skips characters it does not know; refuse them instead,
  // and refuse non-canonical encodings so one map has exactly one handle.
  const bytes = Buffer.from(body, 'base64url')
  if (!BASE64URL.test(body) || bytes.toString('base64url') !== body) {
    throw new DataMapInvalidError(`handle ${shown(trimmed)} is not valid base64url (was it cut or changed?)`)
  }
  const map = parseDataMap(bytes)
  checkRoot(map)
  return map
}
