// Where everything lives inside a vault directory. One shard level keyed by the
// first address byte: 256 directories at most, where two levels would create up
// to 65,536 directories whose blocks would eat the donated quota.
import { join } from 'node:path'

export const INDEX_FILE = 'index.sqlite'
/** SQLite's companions of the index; each one takes disk and counts against the quota. */
export const WAL_FILE = `${INDEX_FILE}-wal`
export const INDEX_FILES = [INDEX_FILE, WAL_FILE, `${INDEX_FILE}-shm`, `${INDEX_FILE}-journal`]

const CHUNK_NAME = /^[0-9a-f]{64}$/
const SHARD_NAME = /^[0-9a-f]{2}$/

export class VaultLayout {
  readonly root: string
  readonly chunks: string
  readonly tmp: string
  readonly quarantine: string
  readonly index: string

  constructor(root: string) {
    this.root = root
    this.chunks = join(root, 'chunks')
    this.tmp = join(root, 'tmp')
    this.quarantine = join(root, 'quarantine')
    this.index = join(root, INDEX_FILE)
  }

  /** Directories that exist in every vault, whatever it holds. */
  get fixedDirs(): string[] {
    return [this.root, this.chunks, this.tmp, this.quarantine]
  }

  shardDir(shard: string): string {
    return join(this.chunks, shard)
  }

  chunkFile(hex: string): string {
    return join(this.chunks, shardOf(hex), hex)
  }
}

export function shardOf(hex: string): string {
  return hex.slice(0, 2)
}

export function isChunkName(name: string): boolean {
  return CHUNK_NAME.test(name)
}

export function isShardName(name: string): boolean {
  return SHARD_NAME.test(name)
}

/** All 256 shard names, in address order. */
export function allShards(): string[] {
  return Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
}
