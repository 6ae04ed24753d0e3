import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commandModules, findCommand } from '../../main/commands/index.ts'

test('each command module declares exactly the commands it defines', async () => {
  for (const mod of commandModules) {
    const defined = (await mod.load()).map((c) => c.path.join(' ')).sort()
    assert.deepEqual(defined, mod.paths.map((p) => p.join(' ')).sort())
  }
})

test('findCommand loads the module of the words given and no other', async () => {
  const command = await findCommand(['wallet', 'send', '3', 'abc'])
  assert.deepEqual(command?.path, ['wallet', 'send'])
  assert.equal(await findCommand(['no-such-command']), undefined)
})
