// The retention of version history on a real drive node: history_days is a
// setting of the node (30 by default), kept across restarts, and the drive
// lets go of versions older than it at its next commit.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { callApi } from '../../../main/core/api/index.ts'
import { SettingsStore } from '../../../main/core/settings/index.ts'
import { tempDir } from '../../helpers.ts'
import { startDriveNode, writeDriveFile } from '../account/support.ts'
import { waitFor } from '../net/support.ts'

const DAY = 24 * 3600 * 1000

test('history_days is a node setting, and versions past it are let go at the next commit', async (t) => {
  const home = await tempDir(t)
  const node = await startDriveNode(t, [], { home })
  assert.equal((await callApi(node.api, 'settings-get', {})).history_days, 30)
  await assert.rejects(callApi(node.api, 'settings-set', { history_days: 0 }), /bad arguments/)
  await assert.rejects(callApi(node.api, 'settings-set', { history_days: 1.5 }), /bad arguments/)
  const { settings } = await callApi(node.api, 'settings-set', { history_days: 7 })
  assert.equal(settings.history_days, 7)
  assert.equal((await new SettingsStore(home).load()).history_days, 7, 'kept across restarts')

  await node.create({ keyword: 'keeper', pin: '1357', password: 'seven days of notes' })
  const drive = node.drive!
  for (const text of ['one', 'two', 'three']) {
    await writeDriveFile(drive, '/notes.txt', Buffer.from(text))
    await drive.syncAll(30_000)
  }
  await waitFor(() => drive.listVersions('/notes.txt').versions.length === 3, 30_000, 'three versions')
  assert.deepEqual((await callApi(node.api, 'settings-get', {})).history, { versions: 2, bytes: 6 })
  // the first two were written ten days ago, as far as the history knows
  drive.db.db
    .prepare('UPDATE versions SET at = at - ? WHERE id IN (SELECT id FROM versions ORDER BY id LIMIT 2)')
    .run(10 * DAY)

  await writeDriveFile(drive, '/other.txt', Buffer.from('a commit'))
  await waitFor(() => drive.listVersions('/notes.txt').versions.length === 1, 30_000, 'old versions to go')
  const left = drive.listVersions('/notes.txt')
  assert.equal(left.versions[0]!.size, 5, 'the current content stays')
  assert.equal(left.current, left.versions[0]!.number)
  // what history costs shows in the settings: nothing earlier is left
  assert.deepEqual((await callApi(node.api, 'settings-get', {})).history, { versions: 0, bytes: 0 })
})
