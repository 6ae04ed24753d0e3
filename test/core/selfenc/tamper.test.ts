import assert from 'node:assert/strict'
import { createCipheriv, createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ChunkHashMismatchError, toHex } from '../../../main/core/chunk-store.ts'
import { CHUNK_OVERHEAD, sealChunk } from '../../../main/core/selfenc/chunk-cipher.ts'
import type { ChunkedDataMap, ChunkInfo, TamperReason } from '../../../main/core/selfenc/index.ts'
import { ChunkMissingError, ChunkTamperedError, SelfEncryptor } from '../../../main/core/selfenc/index.ts'
import { deriveChunkKeys, keyMaterial } from '../../../main/core/selfenc/keys.ts'
import { tempDir } from '../../helpers.ts'
import { chunked, LooseStore, MIB, newStore, pseudoRandom } from './fixtures.ts'

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest()
}

function tampered(reason: TamperReason, address: Uint8Array): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ChunkTamperedError, `expected ChunkTampered, got ${String(err)}`)
    assert.equal(err.name, 'ChunkTampered')
    assert.equal(err.reason, reason)
    assert.equal(err.address, toHex(address))
    assert.ok(err.message.includes(toHex(address)))
    return true
  }
}

function missing(address: Uint8Array): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ChunkMissingError, `expected ChunkMissing, got ${String(err)}`)
    assert.equal(err.name, 'ChunkMissing')
    assert.equal(err.address, toHex(address))
    return true
  }
}

/** The map with entry i pointing at `address` instead. */
function redirect(map: ChunkedDataMap, i: number, address: Uint8Array): ChunkedDataMap {
  const chunks: ChunkInfo[] = map.chunks.map((c) => (c.index === i ? { ...c, address } : c))
  return { ...map, chunks }
}

/** Seals `payload` (flag byte included) under chunk i's real keys, as a forger who knows the hashes could. */
function sealRaw(map: ChunkedDataMap, i: number, payload: Uint8Array): Uint8Array {
  const keys = deriveChunkKeys(keyMaterial(i, map.chunks.length, (j) => map.chunks[j]!.plainHash))
  const cipher = createCipheriv('aes-256-gcm', keys.key, keys.nonce)
  const body = Buffer.concat([cipher.update(payload), cipher.final()])
  return Buffer.concat([keys.nonce, body, cipher.getAuthTag()])
}

// Both paths: on the calling thread, and in workers (errors rebuilt across threads).
for (const mode of ['inline', 'workers'] as const) {
  describe(`tampering and loss are named (${mode})`, () => {
    const enc = new SelfEncryptor(mode === 'inline' ? { workers: 0 } : { workers: 2, poolMinBytes: 0 })
    after(() => enc.close())

    it('a byte flipped in a stored chunk → ChunkTampered (hash mismatch), only when that chunk is read', async () => {
      const store = newStore()
      const data = pseudoRandom(3 * MIB, 'flip')
      const map = chunked(await enc.encrypt(data, store))
      const victim = map.chunks[1]!.address
      store.chunks.get(toHex(victim))![100]! ^= 0x01
      await assert.rejects(enc.decrypt(map, store), tampered('hash-mismatch', victim))
      await assert.rejects(enc.readRange(map, store, MIB + 5, 10), tampered('hash-mismatch', victim))
      // Ranges that avoid the chunk still read.
      const head = await enc.readRange(map, store, 0, 1000)
      assert.deepEqual(head, data.subarray(0, 1000))
    })

    it('a modified chunk re-addressed to match its bytes → ChunkTampered (AEAD failure)', async () => {
      const store = new LooseStore()
      const map = chunked(await enc.encrypt(pseudoRandom(2 * MIB, 'aead'), store))
      const original = await store.get(map.chunks[0]!.address)
      const forged = Uint8Array.from(original)
      forged[CHUNK_OVERHEAD + 10]! ^= 0x01
      const address = sha256(forged)
      await store.put(address, forged)
      await assert.rejects(enc.decrypt(redirect(map, 0, address), store), tampered('aead-failure', address))
      // A truncated chunk cannot even hold a nonce and tag.
      const stub = forged.subarray(0, 10)
      const stubAddress = sha256(stub)
      await store.put(stubAddress, stub)
      await assert.rejects(
        enc.decrypt(redirect(map, 0, stubAddress), store),
        tampered('aead-failure', stubAddress),
      )
    })

    it('a chunk sealed under the right keys but holding other bytes → ChunkTampered (plaintext mismatch)', async () => {
      const store = new LooseStore()
      const map = chunked(await enc.encrypt(pseudoRandom(3000, 'swap'), store))
      const ikm = keyMaterial(2, 3, (j) => map.chunks[j]!.plainHash)
      const other = sealChunk(pseudoRandom(map.chunks[2]!.size, 'other'), ikm)
      await store.put(other.address, other.chunk)
      await assert.rejects(
        enc.decrypt(redirect(map, 2, other.address), store),
        tampered('plaintext-mismatch', other.address),
      )
    })

    it('a chunk with a malformed payload → ChunkTampered (bad payload)', async () => {
      const store = new LooseStore()
      const map = chunked(await enc.encrypt(pseudoRandom(3000, 'payload'), store))
      const size = map.chunks[1]!.size
      const cases = [
        Uint8Array.of(7, ...new Uint8Array(size)), // unknown flag
        Uint8Array.of(0, ...new Uint8Array(size - 1)), // raw, one byte short
        Uint8Array.of(1, 1, 2, 3, 4), // zstd flag, not a zstd frame
      ]
      for (const payload of cases) {
        const chunk = sealRaw(map, 1, payload)
        const address = sha256(chunk)
        await store.put(address, chunk)
        await assert.rejects(enc.decrypt(redirect(map, 1, address), store), tampered('bad-payload', address))
      }
    })

    it('a deleted chunk → ChunkMissing naming it, for file chunks and stored child maps', async () => {
      const store = newStore()
      const map = chunked(await enc.encrypt(pseudoRandom(4 * MIB + 3, 'gone'), store))
      const level0 = chunked(await new SelfEncryptor({ workers: 0 }).resolve(map, store))
      const fileChunk = level0.chunks[3]!.address
      await store.delete(fileChunk)
      await assert.rejects(enc.decrypt(map, store), missing(fileChunk))
      const mapChunk = map.chunks[0]!.address
      await store.delete(mapChunk)
      const fresh = new SelfEncryptor({ workers: 0 })
      await assert.rejects(fresh.decrypt(map, store), missing(mapChunk))
      await assert.rejects(fresh.readRange(map, store, 0, 1), missing(mapChunk))
    })

    it('a store that detects corruption itself is reported as tampering too', async () => {
      const store = newStore()
      const map = chunked(await enc.encrypt(pseudoRandom(3000, 'verifying'), store))
      const victim = map.chunks[0]!.address
      const verifying = {
        get: async (address: Uint8Array) => {
          if (toHex(address) === toHex(victim)) throw new ChunkHashMismatchError(address, 'get')
          return store.get(address)
        },
      }
      await assert.rejects(enc.decrypt(map, verifying), tampered('hash-mismatch', victim))
    })

    it('decryptToFile that fails leaves neither the output nor a temporary file', async (t) => {
      const dir = await tempDir(t)
      const store = newStore()
      const map = chunked(await enc.encrypt(pseudoRandom(2 * MIB, 'partial'), store))
      await store.delete(map.chunks[2]!.address)
      await assert.rejects(
        enc.decryptToFile(map, store, join(dir, 'out.bin')),
        missing(map.chunks[2]!.address),
      )
      assert.deepEqual(await readdir(dir), [])
    })
  })
}
