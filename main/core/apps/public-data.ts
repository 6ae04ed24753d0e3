// Public data: a file or folder anyone can read who has its address. Each
// file is self-encrypted into the network as the drive does (so its chunks
// are the same ones a private copy would use), and a plain index chunk lists
// the files with their data maps, the keys included. The address, "pd1:" and
// the index chunk's SHA-256, carries no secret: the index holds the keys, and
// anyone who fetches it can read everything it names (docs/APPS.md). An app's
// index also names its developer wallet, to which the share of the coins
// minted on reads of its files falls, wherever they are read.
import type { ChunkStore } from '../chunk-store.ts'
import { chunkAddress } from '../chunk-store.ts'
import { UsageError } from '../errors.ts'
import { SelfEncryptor, parseDataMap, serializeDataMap } from '../selfenc/index.ts'
import type { DataMap } from '../selfenc/index.ts'

export const PUBLIC_PREFIX = 'pd1:'
const INDEX_FORMAT = 'peerdrive-public/1'
/** The index is one chunk: at most 1 MiB, so a folder of a few thousand files. */
export const MAX_INDEX_BYTES = 2 ** 20
export const MAX_PUBLIC_FILES = 4096

export interface PublicFile {
  /** Relative to the published folder; "" for a single published file. */
  path: string
  bytes: Uint8Array
}

export interface PublicContent {
  kind: 'file' | 'folder'
  name: string
  files: PublicFile[]
}

export interface IndexDoc {
  format: string
  kind: 'file' | 'folder'
  name: string
  files: { path: string; size: number; map: string }[]
  /** The publishing app's developer wallet (hex), when an app published it. */
  developer?: string
}

/** Runs reads so that their receipts name a developer wallet (the farmer's forDeveloper). */
export type ReadingFor = <T>(developerWallet: string, work: () => Promise<T>) => Promise<T>

const isWallet = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)

export class PublicAddressError extends UsageError {
  constructor(why: string) {
    super(`not a public address: ${why}`)
    this.name = 'PublicAddressError'
  }
}

// Small files only: their chunks are sealed on the calling thread, no worker pool to start and stop.
const encryptor = new SelfEncryptor({ workers: 0 })

export function publicAddress(digest: Uint8Array): string {
  return PUBLIC_PREFIX + Buffer.from(digest).toString('base64url')
}

export function parsePublicAddress(text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new PublicAddressError('it must be text')
  const t = text.trim()
  if (!t.startsWith(PUBLIC_PREFIX)) throw new PublicAddressError(`it starts with "${PUBLIC_PREFIX}"`)
  const body = t.slice(PUBLIC_PREFIX.length)
  const bytes = Buffer.from(body, 'base64url')
  if (bytes.length !== 32 || bytes.toString('base64url') !== body)
    throw new PublicAddressError('the part after "pd1:" is 43 base64url characters')
  return bytes
}

/** Stores the content's chunks and its index in `chunks`; returns its address. */
export async function publish(
  chunks: Pick<ChunkStore, 'put'>,
  content: PublicContent,
  opts: { developer?: string } = {},
): Promise<string> {
  const bytes = await indexBytes(chunks, content, opts)
  const address = chunkAddress(bytes)
  await chunks.put(address, bytes)
  return publicAddress(address)
}

/** An index of files already in the network, by their data maps (an empty file's map is made here). */
export async function indexOfMaps(
  kind: PublicContent['kind'],
  name: string,
  files: { path: string; size: number; map: DataMap | null }[],
  opts: { developer?: string } = {},
): Promise<Buffer> {
  if (files.length > MAX_PUBLIC_FILES) throw new UsageError(`at most ${MAX_PUBLIC_FILES} files`)
  const listed: IndexDoc['files'] = []
  for (const f of files) {
    const map = f.map ?? (await encryptor.encrypt(new Uint8Array(0), NO_CHUNKS))
    listed.push({ path: f.path, size: f.size, map: Buffer.from(serializeDataMap(map)).toString('base64url') })
  }
  const doc: IndexDoc = {
    format: INDEX_FORMAT,
    kind,
    name,
    files: listed,
    ...(isWallet(opts.developer) ? { developer: opts.developer } : {}),
  }
  const bytes = Buffer.from(JSON.stringify(doc))
  if (bytes.length > MAX_INDEX_BYTES)
    throw new UsageError(`too many files for one index (${bytes.length} bytes)`)
  return bytes
}

/** An empty file is stored inline in its map: nothing is ever put. */
const NO_CHUNKS: Pick<ChunkStore, 'put'> = {
  put: async () => {
    throw new Error('an empty file has no chunks')
  },
}

/** Stores the content's files in `chunks` (self-encrypted) and returns their index, not yet stored. */
export async function indexBytes(
  chunks: Pick<ChunkStore, 'put'>,
  content: PublicContent,
  opts: { developer?: string } = {},
): Promise<Buffer> {
  if (content.files.length > MAX_PUBLIC_FILES) throw new UsageError(`at most ${MAX_PUBLIC_FILES} files`)
  const files = []
  for (const f of content.files)
    files.push({ path: f.path, size: f.bytes.length, map: await encryptor.encrypt(f.bytes, chunks) })
  return indexOfMaps(content.kind, content.name, files, opts)
}

/**
 * Fetches what `address` names from `chunks`; every part is checked before it
 * is trusted. With `readingFor`, the files of an app's index are read with
 * its developer named on their receipts.
 */
export async function fetchPublic(
  chunks: Pick<ChunkStore, 'get'>,
  address: string,
  limits: { maxBytes?: number; readingFor?: ReadingFor } = {},
): Promise<PublicContent> {
  const digest = parsePublicAddress(address)
  const raw = await chunks.get(digest)
  if (!Buffer.from(chunkAddress(raw)).equals(Buffer.from(digest)))
    throw new PublicAddressError('the index found does not match the address')
  return readIndexed(chunks, parseIndex(raw), address, limits)
}

/** The files an index names, each checked against its size; `what` names the content in errors. */
export async function readIndexed(
  chunks: Pick<ChunkStore, 'get'>,
  doc: IndexDoc,
  what: string,
  limits: { maxBytes?: number; readingFor?: ReadingFor } = {},
): Promise<PublicContent> {
  const maxBytes = limits.maxBytes ?? Number.MAX_SAFE_INTEGER
  const total = doc.files.reduce((n, f) => n + f.size, 0)
  if (total > maxBytes) throw new UsageError(`${what} holds ${total} bytes, more than ${maxBytes}`)
  const readAll = async (): Promise<PublicFile[]> => {
    const files: PublicFile[] = []
    for (const f of doc.files) {
      const bytes = await encryptor.decrypt(parseDataMap(Buffer.from(f.map, 'base64url')), chunks)
      if (bytes.length !== f.size)
        throw new PublicAddressError(`${f.path || doc.name} is not the size its index says`)
      files.push({ path: f.path, bytes })
    }
    return files
  }
  const files =
    doc.developer !== undefined && limits.readingFor
      ? await limits.readingFor(doc.developer, readAll)
      : await readAll()
  return { kind: doc.kind, name: doc.name, files }
}

export function parseIndex(raw: Uint8Array): IndexDoc {
  let doc: IndexDoc
  try {
    doc = JSON.parse(Buffer.from(raw).toString('utf8')) as IndexDoc
  } catch {
    throw new PublicAddressError('its index is not readable')
  }
  const ok =
    doc?.format === INDEX_FORMAT &&
    (doc.kind === 'file' || doc.kind === 'folder') &&
    typeof doc.name === 'string' &&
    Array.isArray(doc.files) &&
    doc.files.length <= MAX_PUBLIC_FILES &&
    doc.files.every(
      (f) =>
        typeof f?.path === 'string' &&
        safeRelative(f.path) &&
        Number.isSafeInteger(f.size) &&
        f.size >= 0 &&
        typeof f.map === 'string',
    ) &&
    (doc.developer === undefined || isWallet(doc.developer))
  if (!ok) throw new PublicAddressError('its index is not a PeerDrive public index')
  return doc
}

/** A path fetched from a stranger's index may be written to disk: it must stay below where it is written. */
export function safeRelative(path: string): boolean {
  if (path === '') return true
  return path
    .split('/')
    .every((n) => n !== '' && n !== '.' && n !== '..' && !n.includes('\\') && !n.includes('\0'))
}
