// `peerdrive versions` and `peerdrive restore` against a real drive node on a
// loopback network, its drive mounted with FUSE: v1 and v2 written through
// the mount, the file deleted, its versions listed, v1 restored byte for byte.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { drivePath, formatVersionTime, parseAt, versionLine } from '../../main/commands/history.ts'
import { callApi } from '../../main/core/api/index.ts'
import { runCli, tempDir } from '../helpers.ts'
import { everyAddress, startDriveNode } from '../core/account/support.ts'
import { meshUp, startNodes, waitFor } from '../core/net/support.ts'

test('a path in the mount, absolute or relative, is a path in the drive; one outside is refused', () => {
  assert.equal(drivePath('/home/ada/PeerDrive', '/home/ada/PeerDrive/docs/a.txt'), '/docs/a.txt')
  assert.equal(drivePath('/home/ada/PeerDrive', 'a.txt', '/home/ada/PeerDrive/docs'), '/docs/a.txt')
  assert.equal(drivePath('/home/ada/PeerDrive/', '../b', '/home/ada/PeerDrive/docs'), '/b')
  assert.equal(drivePath('/home/ada/PeerDrive', '.', '/home/ada/PeerDrive'), '/')
  assert.throws(
    () => drivePath('/home/ada/PeerDrive', '/home/ada/PeerDriveX/a'),
    /\/home\/ada\/PeerDriveX\/a is not in the drive \(mounted at \/home\/ada\/PeerDrive\)/,
  )
  assert.throws(
    () => drivePath('/home/ada/PeerDrive', '../../etc/passwd', '/home/ada/PeerDrive/x'),
    /not in the drive/,
  )
})

test('--at reads the times versions prints, and spans ago', () => {
  const at = Date.UTC(2026, 11, 7, 14, 3, 12, 456)
  const shown = formatVersionTime(at)
  assert.equal(shown, '2026-12-07 14:03:12Z')
  // a time given to the second covers the version listed with it
  assert.ok(parseAt(shown) >= at)
  assert.equal(parseAt('2026-12-07T14:03:12.000Z'), Date.UTC(2026, 11, 7, 14, 3, 12))
  assert.equal(parseAt('2h', 10_000_000), 10_000_000 - 7_200_000)
  assert.equal(parseAt('1d', 100_000_000), 100_000_000 - 86_400_000)
  assert.throws(() => parseAt('yesterday-ish'), /--at takes a date and time/)
  assert.equal(
    versionLine({ number: 12, at, size: 2048, device: 'laptop', current: true }),
    ' 12  2026-12-07 14:03:12Z    2.00 KiB  laptop  (current)',
  )
})

test('versions and restore on a mounted drive: v1 comes back byte for byte after v2 and a delete', async (t) => {
  const vaults = await startNodes(t, 3)
  const home = await tempDir(t)
  const mountParent = await mkdtemp(join(tmpdir(), 'peerdrive-history-'))
  const mount = join(mountParent, 'PeerDrive')
  const node = await startDriveNode(t, everyAddress(vaults), { home, mount })
  // removed once the node (and so the mount) is gone: clean-ups run in the order registered
  t.after(() => rm(mountParent, { recursive: true, force: true }))
  await meshUp([...vaults, node.node])
  await node.create({ keyword: 'history', pin: '2468', password: 'old letters in a drawer' })
  const port = ['--api-port', String(node.api.port)]
  const file = join(mount, 'docs', 'report.bin')
  const listed = async () =>
    (await callApi(node.api, 'files-versions', { path: '/docs/report.bin' })).versions

  const v1 = randomBytes(300_000)
  const v2 = randomBytes(200_000)
  await mkdir(join(mount, 'docs'))
  await writeFile(file, v1)
  await waitFor(async () => (await listed()).length === 1, 60_000, 'v1 to be kept')
  await writeFile(file, v2)
  await waitFor(async () => (await listed()).length === 2, 60_000, 'v2 to be kept')
  assert.deepEqual(
    (await listed()).map((v) => [v.number, v.size, v.current]),
    [
      [2, v2.length, true],
      [1, v1.length, false],
    ],
  )
  await rm(file)
  await waitFor(
    async () => !(await callApi(node.api, 'files-versions', { path: '/docs/report.bin' })).exists,
    30_000,
    'the delete',
  )

  const versions = await runCli(home, ['versions', file, ...port])
  assert.equal(versions.code, 0, versions.stderr)
  const lines = versions.stdout.trimEnd().split('\n')
  assert.equal(lines.length, 2, versions.stdout)
  assert.match(lines[0]!, /^ {2}2 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +195\.3 KiB {2}\S+$/)
  assert.match(lines[1]!, /^ {2}1 {2}.* +293\.0 KiB {2}\S+$/)
  assert.match(versions.stderr, /\/docs\/report\.bin was deleted/)

  const restored = await runCli(home, ['restore', file, '--version', '1', ...port])
  assert.equal(restored.code, 0, restored.stderr)
  assert.match(restored.stdout, /^restored \/docs\/report\.bin to version 1 of .*; it is version 3 now\n$/)
  await waitFor(
    async () => v1.equals(await readFile(file).catch(() => Buffer.alloc(0))),
    30_000,
    'v1 to read back through the mount',
  )
  assert.deepEqual(
    (await listed()).map((v) => [v.number, v.size, v.current]),
    [
      [3, v1.length, true],
      [2, v2.length, false],
      [1, v1.length, false],
    ],
  )

  // clear refusals: a wrong use exits with 2, what the node refuses with 1
  const outside = await runCli(home, ['versions', join(home, 'elsewhere.txt'), ...port])
  assert.equal(outside.code, 2)
  assert.match(outside.stderr, /is not in the drive \(mounted at /)
  const noSuch = await runCli(home, ['restore', file, '--version', '9', ...port])
  assert.equal(noSuch.code, 1)
  assert.match(noSuch.stderr, /no version 9 \(it has 3, numbered 1 to 3\)/)
  const both = await runCli(home, ['restore', file, '--version', '1', '--at', '1h', ...port])
  assert.equal(both.code, 2)
  assert.match(both.stderr, /--version or --at, not both/)
  const never = await runCli(home, ['versions', join(mount, 'never.txt'), ...port])
  assert.equal(never.code, 1)
  assert.match(never.stderr, /never\.txt has no versions/)
  const folder = await runCli(home, ['versions', join(mount, 'docs'), ...port])
  assert.equal(folder.code, 1)
  assert.match(folder.stderr, /is a folder/)
  await assert.rejects(callApi(node.api, 'files-versions', { path: '/docs/../x' }), /bad arguments/)

  // restored at a time: the version that was current then
  const at = await runCli(home, [
    'restore',
    file,
    '--at',
    // to the millisecond: v2, the delete and the restore can all fall within one printed second
    new Date((await listed())[1]!.at).toISOString(),
    ...port,
  ])
  assert.equal(at.code, 0, at.stderr)
  await waitFor(
    async () => v2.equals(await readFile(file).catch(() => Buffer.alloc(0))),
    30_000,
    'v2 to read back through the mount',
  )
})
