import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatSize, parseSize } from '../../main/core/size.ts'

test('parseSize reads decimal and binary units and plain bytes', () => {
  assert.equal(parseSize('10GB'), 10_000_000_000)
  assert.equal(parseSize('500MiB'), 500 * 2 ** 20)
  assert.equal(parseSize('4096'), 4096)
  assert.equal(parseSize('1.5kib'), 1536)
  assert.equal(parseSize(' 2 TB '), 2e12)
})

test('parseSize refuses what is not a size, with a usage error', () => {
  for (const bad of ['', 'ten', '10XB', '-5MB', '1e9', 'MB']) {
    assert.throws(() => parseSize(bad), { name: 'UsageError', message: /not a size/ })
  }
})

test('formatSize picks a readable unit', () => {
  assert.equal(formatSize(512), '512 B')
  assert.equal(formatSize(1536), '1.50 KiB')
  assert.equal(formatSize(10 * 2 ** 30), '10.0 GiB')
})
