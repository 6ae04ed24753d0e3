import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { electronBinary } from '../../main/app/launch.ts'
import { tempDir } from '../helpers.ts'

test('npm start finds the Electron binary only where its download left one', async (t) => {
  const dir = await tempDir(t)
  assert.equal(electronBinary(dir), null, 'no path.txt: never downloaded')
  await writeFile(join(dir, 'path.txt'), 'electron')
  assert.equal(electronBinary(dir), null, 'path.txt but no binary')
  await mkdir(join(dir, 'dist'))
  await writeFile(join(dir, 'dist', 'electron'), '')
  assert.equal(electronBinary(dir), join(dir, 'dist', 'electron'))
})
