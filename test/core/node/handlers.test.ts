// The dashboard's commands against a real drive node (no account needed for these).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import WebSocket from 'ws'
import { TOKEN_PROTOCOL_PREFIX, callApi } from '../../../main/core/api/index.ts'
import type { ApiEvent } from '../../../main/core/api/index.ts'
import { startDriveNode } from '../account/support.ts'

const MiB = 2 ** 20

test('settings change the vault cap at once, logs and events follow', async (t) => {
  const node = await startDriveNode(t, [], { capacity: 64 * MiB })
  const before = await callApi(node.api, 'settings-get', {})
  assert.equal(before.donated_bytes, 64 * MiB)
  assert.ok(before.max_donation_bytes >= before.min_donation_bytes)
  assert.equal(before.start_at_login, false)

  const ws = new WebSocket(`ws://127.0.0.1:${node.api.port}/api/events`, [
    `${TOKEN_PROTOCOL_PREFIX}${node.api.token}`,
  ])
  t.after(() => ws.close())
  const seen: ApiEvent[] = []
  ws.on('message', (d) => seen.push(JSON.parse(String(d)) as ApiEvent))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })

  const { settings, handoff } = await callApi(node.api, 'settings-set', {
    donated_bytes: 32 * MiB,
    start_at_login: true,
    mount: '/tmp/somewhere',
  })
  assert.equal(node.node.vault.stats().capacity, 32 * MiB)
  assert.equal(settings.donated_bytes, 32 * MiB)
  assert.equal(settings.start_at_login, true)
  assert.equal(settings.mount, '/tmp/somewhere')
  assert.deepEqual(handoff, { excess: 0, moved: 0 })

  await assert.rejects(
    // far past any disk: the ceiling moves with the free space other programs leave
    callApi(node.api, 'settings-set', { donated_bytes: 2 ** 52 }),
    /can be donated/,
  )
  assert.equal(node.node.vault.stats().capacity, 32 * MiB, 'a refused change changes nothing')

  const { entries } = await callApi(node.api, 'logs', {})
  assert.ok(entries.some((e) => /donation set to/.test(e.text)))
  assert.deepEqual(await callApi(node.api, 'files-recent', {}), { files: [] })

  for (let i = 0; i < 300 && !seen.some((e) => e.type === 'status'); i++)
    await new Promise((r) => setTimeout(r, 100))
  assert.ok(seen.some((e) => e.type === 'settings' && e.settings.donated_bytes === 32 * MiB))
  assert.ok(seen.some((e) => e.type === 'log'))
  const status = seen.find((e) => e.type === 'status')
  assert.ok(status && status.type === 'status' && status.status.vault.donated_bytes === 32 * MiB)
})

test('set-donation refuses what the disk cannot honour, as settings-set does', async (t) => {
  const node = await startDriveNode(t, [], { capacity: 64 * MiB })
  const PB = 10 ** 15
  for (const command of ['set-donation', 'settings-set'] as const) {
    const args = command === 'set-donation' ? { bytes: PB } : { donated_bytes: PB }
    await assert.rejects(callApi(node.api, command, args as never), /can be donated/, command)
    await assert.rejects(
      callApi(node.api, command, (command === 'set-donation' ? { bytes: 1 } : { donated_bytes: 1 }) as never),
      /must be at least/,
      command,
    )
  }
  assert.equal(node.node.vault.stats().capacity, 64 * MiB, 'a refused change changes nothing')
  assert.deepEqual(await callApi(node.api, 'set-donation', { bytes: 48 * MiB }), { excess: 0, moved: 0 })
  assert.equal(node.node.vault.stats().capacity, 48 * MiB)
})
