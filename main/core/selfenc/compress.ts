// zstd, used only where it pays. Most large files (media, archives) are
// already compressed; compressing a whole 1 MiB chunk just to throw the result
// away would cost as much as encrypting it. So a small fixed sample decides
// first. Every decision depends only on the chunk's bytes, which keeps
// encryption deterministic (same bytes → same chunks → deduplication).
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib'

/** Chunks up to this size are compressed whole; larger ones are sampled first. */
const SAMPLE_WINDOW = 4096
const SAMPLE_WINDOWS = 4
const SAMPLE_BYTES = SAMPLE_WINDOW * SAMPLE_WINDOWS

/** The sample must shrink at least to this fraction before the whole chunk is tried. */
const SAMPLE_WORTH_IT = 15 / 16

/** zstd's level-1 window is 2^19; allow some slack but refuse frames asking for huge windows. */
const DECOMPRESS_WINDOW_LOG_MAX = 23

function zstd(bytes: Uint8Array): Buffer {
  return zstdCompressSync(bytes, {
    params: {
      [constants.ZSTD_c_compressionLevel]: 1,
      // The AEAD authenticates the payload; a zstd checksum would only add bytes.
      [constants.ZSTD_c_checksumFlag]: 0,
      [constants.ZSTD_c_contentSizeFlag]: 1,
    },
    pledgedSrcSize: bytes.byteLength,
  })
}

/** SAMPLE_WINDOWS windows spread evenly over the chunk, start and end included. */
function sample(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(SAMPLE_BYTES)
  const last = bytes.byteLength - SAMPLE_WINDOW
  for (let k = 0; k < SAMPLE_WINDOWS; k++) {
    const start = Math.floor((k * last) / (SAMPLE_WINDOWS - 1))
    out.set(bytes.subarray(start, start + SAMPLE_WINDOW), k * SAMPLE_WINDOW)
  }
  return out
}

/** zstd(bytes) when that is strictly smaller than `bytes`, else undefined. */
export function compressIfSmaller(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.byteLength > SAMPLE_BYTES * 2) {
    const probe = sample(bytes)
    if (zstd(probe).byteLength > probe.byteLength * SAMPLE_WORTH_IT) return undefined
  }
  const packed = zstd(bytes)
  return packed.byteLength < bytes.byteLength ? packed : undefined
}

/** Inverse of compressIfSmaller; throws unless the frame yields exactly `size` bytes. */
export function decompressExactly(frame: Uint8Array, size: number): Uint8Array {
  const out = zstdDecompressSync(frame, {
    maxOutputLength: Math.max(size, 1),
    params: { [constants.ZSTD_d_windowLogMax]: DECOMPRESS_WINDOW_LOG_MAX },
  })
  if (out.byteLength !== size)
    throw new RangeError(`zstd frame gave ${out.byteLength} bytes, expected ${size}`)
  return out
}
