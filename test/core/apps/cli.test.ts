// `peerdrive apps` against a real node: the user sees a request, grants it
// with a folder to read, and revokes it, each from the command line.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli, tempDir } from '../../helpers.ts'
import { startDriveNode } from '../account/support.ts'
import { manifest, raw, requestAccess } from './support.ts'

test('peerdrive apps lists a request, grants it with a folder, and revokes it', async (t) => {
  const home = await tempDir(t)
  const node = await startDriveNode(t, [], { home })
  await node.create({ keyword: 'clicker', pin: '8642', password: 'the command line decides' })
  await node.drive!.mkdir('/Music', 0o755)
  const app = await requestAccess(node, manifest('Player', { read_folders: true }))

  const listed = await runCli(home, ['apps'])
  assert.equal(listed.code, 0, listed.stderr)
  assert.match(listed.stdout, new RegExp(`${app.id}  Player 1\\.0\\.0  pending`))
  assert.match(listed.stdout, /wants: own folder \(1\.00 MiB\), read folders you pick/)

  const bad = await runCli(home, ['apps', 'grant', 'not-an-id'])
  assert.notEqual(bad.code, 0)
  assert.match(bad.stderr, /16 hex digits/)

  const granted = await runCli(home, ['apps', 'grant', app.id, '--folder', '/Music/'])
  assert.equal(granted.code, 0, granted.stderr)
  assert.match(granted.stdout, /Granted Player: its folder is \/Apps\/Player-/)
  const status = await raw(node, 'app-status', {}, app.token)
  assert.deepEqual((status.doc.result!.grant as { read_folders: string[] }).read_folders, ['/Music'])

  const json = JSON.parse((await runCli(home, ['apps', 'list', '--json'])).stdout) as { state: string }[]
  assert.equal(json[0]!.state, 'granted')

  const revoked = await runCli(home, ['apps', 'revoke', app.id])
  assert.equal(revoked.code, 0, revoked.stderr)
  assert.equal((await raw(node, 'app-list', {}, app.token)).status, 401)
  const log = await runCli(home, ['apps', 'log', app.id])
  assert.match(log.stdout, /list\s+refused/)
  await node.stop()
})
