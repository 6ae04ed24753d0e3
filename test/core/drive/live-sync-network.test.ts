// Live sync on a real loopback network: two drive nodes logged in to ONE
// account, each with its own home, vault and drive, the laptop's drive
// mounted with FUSE. A file written on the desk appears in the laptop's
// mount; edits made on both at once keep both; a folder made on the desk
// while a file is renamed in the laptop's mount merges. I/O through the
// mount is asynchronous: this process serves it.
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Drive } from '../../../main/core/drive/index.ts'
import type { DriveNode } from '../../../main/core/node/index.ts'
import { detachMount } from '../../../native/mount-point.ts'
import { everyAddress, readDriveFile, startDriveNode, writeDriveFile } from '../account/support.ts'
import { meshUp, startNodes, waitFor } from '../net/support.ts'

const creds = { keyword: 'one-account-two-desks', pin: '2468', password: 'the same drive in two places' }
const DEADLINE_MS = 60_000

const inMount = (mnt: string, path: string): Promise<string | undefined> =>
  readFile(join(mnt, path), 'utf8').catch(() => undefined)
const onDrive = (drive: Drive, path: string): Promise<string | undefined> =>
  readDriveFile(drive, path).then(
    (b) => b.toString(),
    () => undefined,
  )

test('two devices of one account follow each other live, through a FUSE mount on one of them', async (t) => {
  const vaults = await startNodes(t, 3)
  // not tempDir(t): the mount must be gone before the directory is removed
  const laptopHome = await mkdtemp(join(tmpdir(), 'peerdrive-live-'))
  const mnt = join(laptopHome, 'mnt')
  await mkdir(mnt)
  // hooks run in the order they were added: the laptop stops (its vault writes there) before its home goes
  const started: { laptop?: DriveNode } = {}
  t.after(async () => {
    await started.laptop?.stop().catch(() => {})
    await detachMount(mnt).catch(() => {})
    await rm(laptopHome, { recursive: true, force: true, maxRetries: 5 })
  })
  const desk: DriveNode = await startDriveNode(t, everyAddress(vaults))
  const laptop = await startDriveNode(t, everyAddress(vaults), { home: laptopHome, mount: mnt })
  started.laptop = laptop
  await meshUp([...vaults, desk.node, laptop.node])
  // What the dashboard and the desktop notifications hear.
  const notices: string[] = []
  for (const node of [desk, laptop])
    t.after(
      node.feed.events.on(
        (e) => void (e.type === 'notice' && e.kind === 'conflict' && notices.push(e.message)),
      ),
    )
  await desk.create(creds)
  await laptop.login(creds)
  assert.equal(laptop.status().mounted, true)
  const a = desk.drive!

  // 1. A file written on the desk shows in the laptop's mount (five times, for the figure).
  const propagation: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = Date.now()
    await writeDriveFile(a, `/hello-${i}.txt`, Buffer.from(`hello ${i} from the desk`))
    await waitFor(
      async () => (await inMount(mnt, `hello-${i}.txt`)) === `hello ${i} from the desk`,
      DEADLINE_MS,
      'the desk’s file in the laptop’s mount',
    )
    propagation.push(Date.now() - started)
  }
  const sorted = [...propagation].sort((x, y) => x - y)
  console.log(
    `propagation_ms (write on the desk until readable in the laptop's mount): p50 ${sorted[2]}, min ${sorted[0]}, max ${sorted[4]} (${propagation.join(', ')})`,
  )

  // An edit of a file the laptop has read: its new content, longer than the old, through the mount.
  const edited = Date.now()
  await writeDriveFile(a, '/hello-0.txt', Buffer.from('hello again from the desk, a little longer'))
  await waitFor(
    async () => (await inMount(mnt, 'hello-0.txt')) === 'hello again from the desk, a little longer',
    DEADLINE_MS,
    'the desk’s edit in the laptop’s mount',
  )
  console.log(`propagation_ms of an edit to a file already read in the mount: ${Date.now() - edited}`)

  // 2. One file edited on both devices at once: both edits are kept.
  await writeDriveFile(a, '/plan.txt', Buffer.from('v0'))
  await waitFor(async () => (await inMount(mnt, 'plan.txt')) === 'v0', DEADLINE_MS, 'plan.txt on the laptop')
  await Promise.all([
    writeDriveFile(a, '/plan.txt', Buffer.from('the desk’s edit')),
    writeFile(join(mnt, 'plan.txt'), 'the laptop’s edit'),
  ])
  const planFiles = async (read: (path: string) => Promise<string | undefined>, names: string[]) => {
    const plans = names.filter((n) => n.startsWith('plan'))
    return (await Promise.all(plans.map((n) => read(`/${n}`)))).sort()
  }
  for (const [what, list, read] of [
    ['desk', () => a.readdir('/'), (p: string) => onDrive(a, p)],
    ['laptop', () => readdir(mnt), (p: string) => inMount(mnt, p)],
  ] as const) {
    await waitFor(
      async () =>
        JSON.stringify(await planFiles(read, await list())) ===
        JSON.stringify(['the desk’s edit', 'the laptop’s edit']),
      DEADLINE_MS,
      `both edits of plan.txt on the ${what}`,
    )
    const names = (await list()).filter((n) => n.startsWith('plan'))
    assert.equal(names.length, 2, names.join(', '))
    assert.ok(names.includes('plan.txt'))
    assert.match(
      names.find((n) => n !== 'plan.txt')!,
      /^plan \(conflict, .+, \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\)\.txt$/,
    )
  }
  assert.ok(
    notices.some((m) => m.startsWith('/plan.txt was changed on two devices at once')),
    `a conflict notice reached the event hub: ${JSON.stringify(notices)}`,
  )

  // 3. A folder made on the desk while a file is renamed in the laptop's mount.
  await writeDriveFile(a, '/draft.txt', Buffer.from('draft'))
  await waitFor(
    async () => (await inMount(mnt, 'draft.txt')) === 'draft',
    DEADLINE_MS,
    'draft.txt on the laptop',
  )
  await Promise.all([
    (async () => {
      await a.mkdir('/photos', 0o755)
      await writeDriveFile(a, '/photos/cat.txt', Buffer.from('meow'))
    })(),
    rename(join(mnt, 'draft.txt'), join(mnt, 'final.txt')),
  ])
  const merged = async (names: string[], read: (p: string) => Promise<string | undefined>) =>
    names.includes('final.txt') &&
    !names.includes('draft.txt') &&
    names.includes('photos') &&
    (await read('/final.txt')) === 'draft' &&
    (await read('/photos/cat.txt')) === 'meow'
  await waitFor(
    async () => merged(await a.readdir('/'), (p) => onDrive(a, p)),
    DEADLINE_MS,
    'the desk to have the rename and the folder',
  )
  await waitFor(
    async () => merged(await readdir(mnt), (p) => inMount(mnt, p)),
    DEADLINE_MS,
    'the laptop’s mount to have the rename and the folder',
  )
})
