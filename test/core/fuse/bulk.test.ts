// Volume through a real mount: a large copy, random I/O against a reference
// file on disk, a tree of a thousand files, and a git repository.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { open, readFile, readdir, writeFile } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { KiB, MiB, eventually, mountTwin, seededRandom, sh } from './support.ts'

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

test('a 64 MiB file round-trips byte for byte through cp', async (t) => {
  const { mnt, scratch } = await mountTwin(t)
  const original = randomBytes(64 * MiB)
  await writeFile(join(scratch, 'original'), original)
  await sh(scratch, `cp original "${mnt}/copy" && cmp original "${mnt}/copy"`)
  await sh(scratch, `cp "${mnt}/copy" back`)
  assert.equal(sha256(await readFile(join(scratch, 'back'))), sha256(original))
  assert.equal(sha256(await readFile(join(mnt, 'copy'))), sha256(original))
})

test('random pwrite and pread at odd offsets match a reference file on disk', async (t) => {
  const { mnt, scratch } = await mountTwin(t)
  const mounted = await open(join(mnt, 'f'), 'w+')
  const reference = await open(join(scratch, 'ref'), 'w+')
  try {
    await randomIo(mounted, reference)
  } finally {
    // before the unmount: a file left open on a lazily detached mount still needs this process to close it
    await mounted.close()
    await reference.close()
  }
  assert.equal(sha256(await readFile(join(mnt, 'f'))), sha256(await readFile(join(scratch, 'ref'))))
})

async function randomIo(mounted: FileHandle, reference: FileHandle): Promise<void> {
  const seed = 0x5eed
  const random = seededRandom(seed)
  const int = (below: number) => Math.floor(random() * below)
  for (let step = 0; step < 400; step++) {
    const roll = random()
    const at = int(3 * MiB) + 1
    if (roll < 0.5) {
      const data = randomBytes(int(200 * KiB) + 1)
      await mounted.write(data, 0, data.length, at)
      await reference.write(data, 0, data.length, at)
    } else if (roll < 0.95) {
      const length = int(300 * KiB) + 1
      const [a, b] = await Promise.all([
        mounted.read(Buffer.alloc(length), 0, length, at),
        reference.read(Buffer.alloc(length), 0, length, at),
      ])
      assert.equal(a.bytesRead, b.bytesRead, `seed ${seed} step ${step}: read of ${length} at ${at}`)
      assert.ok(a.buffer.equals(b.buffer), `seed ${seed} step ${step}: bytes differ at ${at}`)
    } else {
      const size = int(4 * MiB)
      await mounted.truncate(size)
      await reference.truncate(size)
    }
  }
  assert.equal((await mounted.stat()).size, (await reference.stat()).size)
}

test('rm -r removes a tree of 1,000 files', async (t) => {
  const { mnt, fs } = await mountTwin(t)
  await sh(
    mnt,
    'mkdir -p tree/d{0..9}/sub && for d in tree/d*; do for i in $(seq 50); do echo "$d $i" > "$d/f$i"; echo "$i" > "$d/sub/g$i"; done; done',
  )
  assert.equal((await sh(mnt, 'find tree -type f | wc -l')).trim(), '1000')
  assert.equal(await readFile(join(mnt, 'tree/d7/f42'), 'utf8'), 'tree/d7 42\n')
  await sh(mnt, 'rm -r tree')
  assert.deepEqual(await readdir(mnt), [])
  await eventually(() => fs.usedBytes === 0, 'every byte is freed')
  assert.equal((await fs.statfs()).filesFree, (await fs.statfs()).files - 1, 'only the root is left')
})

test('git works in the drive: init, commit, branch, checkout, status', async (t) => {
  const { mnt } = await mountTwin(t)
  const g = 'git -c user.name=PeerDrive -c user.email=test@peerdrive.invalid -c init.defaultBranch=main'
  await sh(
    mnt,
    `mkdir repo && cd repo && ${g} init -q && mkdir src && echo 'one' > src/a.txt && echo 'x' > b.txt &&` +
      ` ${g} add -A && ${g} commit -qm first && ${g} checkout -qb topic && echo 'two' >> src/a.txt &&` +
      ` ${g} commit -qam second && ${g} checkout -q main`,
  )
  const repo = join(mnt, 'repo')
  assert.equal(await readFile(join(repo, 'src/a.txt'), 'utf8'), 'one\n')
  assert.equal(await sh(repo, `${g} status --porcelain`), '')
  assert.equal((await sh(repo, `${g} log --oneline topic | wc -l`)).trim(), '2')
  await sh(repo, `${g} merge -q --ff-only topic && ${g} fsck --no-progress 2>&1`)
  assert.equal(await readFile(join(repo, 'src/a.txt'), 'utf8'), 'one\ntwo\n')
})
