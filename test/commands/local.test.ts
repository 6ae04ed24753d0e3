// The `peerdrive local` contract, run as users and scripts run it: a child process.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { repoRoot, tempDir } from '../helpers.ts'

const run = promisify(execFile)
const bin = join(repoRoot, 'main', 'bin.mjs')

async function peerdrive(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { maxBuffer: 1 << 20 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

function assertOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, /^peerdrive: .+\n$/)
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
}

test('local put prints one handle line and local get writes the same bytes back', async (t) => {
  const dir = await tempDir(t)
  const vault = join(dir, 'vault')
  const original = randomBytes(5 * 2 ** 20 + 123)
  await writeFile(join(dir, 'in.bin'), original)

  const put = await peerdrive('local', 'put', join(dir, 'in.bin'), '--vault', vault, '--donate', '64MiB')
  assert.equal(put.code, 0, put.stderr)
  const lines = put.stdout.split('\n').filter(Boolean)
  assert.equal(lines.length, 1)

  const get = await peerdrive('local', 'get', lines[0]!, '--vault', vault, '--out', join(dir, 'out.bin'))
  assert.equal(get.code, 0, get.stderr)
  assert.ok(original.equals(await readFile(join(dir, 'out.bin'))))
})

test('the vault holds no 16-byte run of a stored text file', async (t) => {
  const dir = await tempDir(t)
  const vault = join(dir, 'vault')
  const words = ['peer', 'drive', 'vault', 'chunk', 'secret', 'letter', 'the', 'of', 'and', 'plain']
  let text = ''
  while (text.length < 400_000) text += `${words[text.length % words.length]} line ${text.length}\n`
  await writeFile(join(dir, 'letter.txt'), text)
  const put = await peerdrive('local', 'put', join(dir, 'letter.txt'), '--vault', vault)
  assert.equal(put.code, 0, put.stderr)

  const runs = new Set<string>()
  for (let i = 0; i + 16 <= text.length; i += 7) runs.add(text.slice(i, i + 16))
  const files = await filesUnder(vault)
  assert.ok(files.length >= 3)
  for (const file of files) {
    const bytes = (await readFile(file)).toString('latin1')
    for (const run of runs) assert.ok(!bytes.includes(run), `${file} contains plaintext "${run}"`)
  }
})

test('bad input gives one line on stderr and a non-zero exit', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'a.txt')
  await writeFile(file, 'hello')
  assertOneLineError(
    await peerdrive('local', 'put', file, '--vault', join(dir, 'v'), '--donate', 'lots'),
    /not a size/,
  )
  assertOneLineError(
    await peerdrive('local', 'put', join(dir, 'nope'), '--vault', join(dir, 'v')),
    /no such file/,
  )
  assertOneLineError(await peerdrive('local', 'put', file), /--vault is required/)
  assertOneLineError(
    await peerdrive('local', 'get', 'garbage', '--vault', dir, '--out', join(dir, 'o')),
    /handle/i,
  )
  await writeFile(join(dir, 'not-a-dir'), 'x')
  assertOneLineError(await peerdrive('local', 'put', file, '--vault', join(dir, 'not-a-dir')), /vault/i)
  assertOneLineError(await peerdrive('frobnicate'), /unknown command/)
  await assert.rejects(stat(join(dir, 'o')), 'no output file after a failed get')
})
