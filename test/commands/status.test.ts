// `peerdrive status` for people: a file below R copies on other vaults is
// shown as degraded, never as synced.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { statusLines } from '../../main/commands/status.ts'
import type { StatusResult } from '../../main/core/api/index.ts'

function status(sync: Partial<StatusResult['sync']>): StatusResult {
  return {
    mounted: true,
    mount: '/home/ada/PeerDrive',
    sync: { state: 'synced', files_pending: 0, bytes_pending: 0, uploading: [], errors: [], ...sync },
    vault: { dir: '/v', donated_bytes: 2 ** 30, used_bytes: 0, chunks: 0 },
    peers: 0,
    network: { size: 1, repairs: 0, last_repair_at: null },
    peer_id: 'p',
    addresses: [],
  }
}

const syncOf = (s: StatusResult) => statusLines(s).find((l) => l.startsWith('sync'))

test('status says how many files are below R copies and the fewest copies any has', () => {
  const degraded = [
    { name: 'a.bin', copies: 3, of: 4 },
    { name: 'b.bin', copies: 1, of: 4 },
  ]
  // the drive counts its degraded files as pending too: they are not listed twice
  const lines = statusLines(
    status({ state: 'degraded', files_pending: 2, bytes_pending: 4096, files_degraded: 2, degraded }),
  )
  assert.equal(lines[1], 'sync     degraded — 2 files below 4 copies (1 of 4)')
  assert.ok(lines.includes('         a.bin: degraded (3 of 4)'), lines.join('\n'))
  assert.ok(lines.includes('         b.bin: degraded (1 of 4)'), lines.join('\n'))
})

test('a node that says synced but counts degraded files is shown degraded; uploads still pending are kept', () => {
  assert.equal(
    syncOf(status({ state: 'synced', files_degraded: 1 })),
    'sync     degraded — 1 file below 4 copies',
  )
  assert.equal(
    syncOf(
      status({
        state: 'syncing',
        files_pending: 1,
        bytes_pending: 1024,
        files_degraded: 1,
        degraded: [{ name: 'x', copies: 0, of: 4 }],
      }),
    ),
    'sync     syncing: 1 files, 1.00 KiB to upload; 1 file below 4 copies (0 of 4)',
  )
})

test('without degraded files (or from a node that does not report them) status reads as before', () => {
  assert.equal(syncOf(status({})), 'sync     synced')
  assert.equal(syncOf(status({ files_degraded: 0, degraded: [] })), 'sync     synced')
  assert.equal(
    syncOf(status({ state: 'syncing', files_pending: 2, bytes_pending: 2048 })),
    'sync     syncing: 2 files, 2.00 KiB to upload',
  )
})
