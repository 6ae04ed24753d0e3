// `peerdrive share --with`, `peerdrive shared [add|remove]` and `peerdrive
// account` against real drive nodes on a loopback network: one account sends
// a folder to another by its id, the other opens a link too, and each
// command says what it did in a line.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCli, tempDir } from '../helpers.ts'
import { everyAddress, startDriveNode, writeDriveFile } from '../core/account/support.ts'
import { meshUp, startNodes, waitFor } from '../core/net/support.ts'

test('share --with sends a folder to an account; shared lists, adds and removes what others shared', async (t) => {
  const vaults = await startNodes(t, 4)
  const [ownerHome, readerHome] = [await tempDir(t), await tempDir(t)]
  // the owner's paths are paths in its mount, as a user types them
  const mountParent = await mkdtemp(join(tmpdir(), 'peerdrive-share-cli-'))
  const mount = join(mountParent, 'PeerDrive')
  const owner = await startDriveNode(t, everyAddress(vaults), { home: ownerHome, mount })
  // removed once the node (and so the mount) is gone: clean-ups run in the order registered
  t.after(() => rm(mountParent, { recursive: true, force: true }))
  const reader = await startDriveNode(t, everyAddress(vaults), { home: readerHome })
  await meshUp([...vaults, owner.node, reader.node])
  const ownerCli = (...args: string[]) => runCli(ownerHome, [...args, '--api-port', String(owner.api.port)])
  const readerCli = (...args: string[]) =>
    runCli(readerHome, [...args, '--api-port', String(reader.api.port)])

  assert.match((await readerCli('account')).stdout, /No account is open/)
  await owner.create({ keyword: 'cli-sender', pin: '1122', password: 'sending from the shell' })
  await reader.create({ keyword: 'cli-reader', pin: '3344', password: 'reading in the shell' })
  const shown = await readerCli('account')
  const id = /Account ([0-9a-f]{64}) is open/.exec(shown.stdout)?.[1]
  assert.equal(id, reader.account!.id)
  assert.equal((await readerCli('shared')).stdout, 'nothing is shared with you\n')

  await owner.drive!.mkdir('/Recipes', 0o755)
  await writeDriveFile(owner.drive!, '/Recipes/bread.txt', Buffer.from('flour, water, salt, time'))
  await writeDriveFile(owner.drive!, '/menu.txt', Buffer.from('soup'))
  const refused = await ownerCli('share', join(mount, 'Recipes'), '--with', 'friend')
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /--with takes an account id, 64 hex characters/)
  assert.match(
    (await ownerCli('share', join(mount, 'Recipes'), '--write')).stderr,
    /--write shares a folder with one account: name it with --with/,
  )
  const sent = await ownerCli('share', join(mount, 'Recipes'), '--with', id!)
  assert.equal(sent.code, 0, sent.stderr)
  assert.equal(sent.stdout, `sent /Recipes to account ${id}: it shows in their "Shared with me"\n`)
  assert.match((await ownerCli('shares')).stdout, new RegExp(`/Recipes  with ${id!.slice(0, 16)}…  live`))

  await waitFor(
    async () => {
      await reader.received.refresh()
      return /Recipes/.test((await readerCli('shared')).stdout)
    },
    120_000,
    'the sent folder in the reader’s list',
  )
  assert.match(
    (await readerCli('shared')).stdout,
    new RegExp(`^Recipes  live \\(folder, 1 file\\(s\\), 24 bytes\\)  from ${owner.account!.id}\\n$`),
  )
  const link = (await ownerCli('share', join(mount, 'menu.txt'))).stdout.trim()
  const added = await readerCli('shared', 'add', link)
  assert.equal(added.code, 0, added.stderr)
  assert.match(
    added.stdout,
    /^menu\.txt {2}live \(file, 4 bytes\)\n {2}read-only in your drive under "Shared with me\/menu\.txt"\n$/,
  )
  assert.match((await readerCli('shared', 'add', 'pds1:nope')).stderr, /not a share link/)
  assert.equal((await readerCli('shared', 'remove', 'menu.txt')).stdout, 'removed: menu.txt\n')
  assert.match(
    (await readerCli('shared', 'remove', 'menu.txt')).stderr,
    /nothing shared with you is named menu\.txt/,
  )
  assert.equal(JSON.parse((await readerCli('shared', '--json')).stdout).length, 1)

  // a folder shared for writing: said so by share, shares and shared; unshare makes it the owner's alone
  await owner.drive!.mkdir('/Workshop', 0o755)
  await writeDriveFile(owner.drive!, '/Workshop/bench.txt', Buffer.from('oak'))
  const together = await ownerCli('share', join(mount, 'Workshop'), '--with', id!, '--write')
  assert.equal(together.code, 0, together.stderr)
  assert.match(together.stdout, new RegExp(`^shared /Workshop for writing with account ${id}: `))
  assert.match(
    (await ownerCli('shares')).stdout,
    /\/Workshop {2}with [0-9a-f]{16}… {2}live \(for writing, no expiry\)/,
  )
  await waitFor(
    async () => {
      await reader.received.refresh()
      return /Workshop/.test((await readerCli('shared')).stdout)
    },
    120_000,
    'the folder shared for writing in the reader’s list',
  )
  assert.match(
    (await readerCli('shared')).stdout,
    /^Workshop {2}live \(folder, 1 file\(s\), 3 bytes, for writing\)/m,
  )
  const stopped = await ownerCli('unshare', join(mount, 'Workshop'))
  assert.equal(stopped.code, 0, stopped.stderr)
  assert.equal(stopped.stdout, 'stopped sharing /Workshop for writing: it is yours alone again\n')
  assert.doesNotMatch((await ownerCli('shares')).stdout, /Workshop/)
  assert.equal((await readerCli('shared', 'remove', 'Workshop')).stdout, 'removed: Workshop\n')
})
