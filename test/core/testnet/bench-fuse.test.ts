// The FUSE benchmark runs end to end on small sizes: a real drive on a
// loopback network, mounted, measured against the plain disk (and rclone's
// crypt mount when rclone is installed) in the same run.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { benchFuse } from '../../../main/core/testnet/bench-fuse.ts'
import { UsageError } from '../../../main/core/errors.ts'
import { fuseSupport } from '../../../native/fuse.ts'

const fuse = fuseSupport()

test(
  'bench fuse measures the drive against the plain disk on small sizes',
  { skip: !fuse.available && fuse.reason },
  async () => {
    const lines: string[] = []
    const f = await benchFuse({
      sizeMiB: 16,
      syncMiB: 8,
      randomFileMiB: 2,
      dropCaches: false,
      log: (l) => lines.push(l),
    })
    assert.equal(f.size_mib, 16)
    for (const key of [
      'write_mbps',
      'plain_write_mbps',
      'cold_read_mbps',
      'plain_cold_read_mbps',
      'randwrite_ops',
      'randwrite_uploading_ops',
      'plain_randwrite_ops',
      'sync_mbps',
      'propagation_ms_p50',
    ] as const)
      assert.ok(f[key] > 0, `${key} = ${f[key]}`)
    assert.ok(Math.abs(f.cold_read_ratio - f.cold_read_mbps / f.plain_cold_read_mbps) < 0.01)
    assert.ok(Math.abs(f.randwrite_ratio - f.randwrite_ops / f.plain_randwrite_ops) < 0.01)
    const rcloneSkipped = lines.some((l) => l.includes('rclone crypt baseline is skipped'))
    assert.equal(f.vs_rclone_cold_read === undefined, rcloneSkipped)
    assert.ok(lines.some((l) => l.startsWith('drive: cold sequential read')))
  },
)

test('bench fuse refuses a size too small for its random-write files', async () => {
  await assert.rejects(benchFuse({ sizeMiB: 300 }), UsageError)
})
