// MaidSafe's "shrink": a map with more than 3 entries is serialized and
// self-encrypted like any file, and the map of that is kept instead (one level
// up), until the root has at most 3 entries. A handle then stays short however
// large the file, and the large map is stored, encrypted, in the network.
import type { ChunkedDataMap, ChunkInfo } from './data-map.ts'
import { MAX_LEVEL, parseDataMap, ROOT_MAX_CHUNKS, serializeDataMap } from './data-map.ts'
import { DataMapInvalidError } from './errors.ts'

/** `seal` stores bytes as self-encrypted chunks and returns their entries. */
export async function shrink(
  map: ChunkedDataMap,
  seal: (bytes: Uint8Array) => Promise<ChunkInfo[]>,
): Promise<ChunkedDataMap> {
  let current = map
  while (current.chunks.length > ROOT_MAX_CHUNKS) {
    // Each level has ~68/chunkSize as many entries as the one below; the
    // minimum chunk size keeps this far from the limit.
    if (current.level >= MAX_LEVEL)
      throw new RangeError(`data map still has ${current.chunks.length} entries at level ${MAX_LEVEL}`)
    const chunks = await seal(serializeDataMap(current))
    current = { kind: 'chunked', level: current.level + 1, size: current.size, chunks }
  }
  return current
}

/**
 * The level-0 map behind `map`. `open` returns the concatenated plaintext of a
 * level's chunks. Each child must sit exactly one level down, describe the same
 * file size, and have needed shrinking; otherwise the map is invalid.
 */
export async function unshrink(
  map: ChunkedDataMap,
  open: (level: ChunkedDataMap) => Promise<Uint8Array>,
): Promise<ChunkedDataMap> {
  let current = map
  while (current.level > 0) {
    const child = parseDataMap(await open(current))
    if (
      child.kind !== 'chunked' ||
      child.level !== current.level - 1 ||
      child.size !== current.size ||
      child.chunks.length <= ROOT_MAX_CHUNKS
    ) {
      throw new DataMapInvalidError(
        `the level ${current.level} map does not hold a level ${current.level - 1} map of the same ${current.size}-byte file`,
      )
    }
    current = child
  }
  return current
}
