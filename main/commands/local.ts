// `peerdrive local put|get`: self-encryption into and out of a vault on this machine.
import { stat } from 'node:fs/promises'
import { UsageError } from '../core/errors.ts'
import { SelfEncryptor, decodeHandle, encodeHandle } from '../core/selfenc/index.ts'
import { parseSize } from '../core/size.ts'
import { Vault } from '../core/vault/index.ts'
import type { Command, OptionValues } from './command.ts'
import { stringOption } from './command.ts'

function required(values: OptionValues, name: string, usage: string): string {
  const v = stringOption(values, name)
  if (!v) throw new UsageError(`--${name} is required; usage: peerdrive ${usage}`)
  return v
}

async function assertFile(path: string): Promise<void> {
  const s = await stat(path).catch(() => undefined)
  if (!s) throw new UsageError(`no such file: ${path}`)
  if (!s.isFile()) throw new UsageError(`not a regular file: ${path}`)
}

/** Runs `work` with an open vault and encryptor, closing both whatever happens. */
async function withVault<T>(
  dir: string,
  capacity: number | undefined,
  work: (vault: Vault, enc: SelfEncryptor) => Promise<T>,
): Promise<T> {
  const vault = await Vault.open(dir, capacity === undefined ? {} : { capacity })
  const enc = new SelfEncryptor()
  try {
    return await work(vault, enc)
  } finally {
    await enc.close()
    await vault.close()
  }
}

const putUsage = 'local put <file> --vault <dir> [--donate <size>]'
const getUsage = 'local get <handle> --vault <dir> --out <file>'

export const localCommands: Command[] = [
  {
    path: ['local', 'put'],
    usage: putUsage,
    positionals: 1,
    options: { vault: { type: 'string' }, donate: { type: 'string' } },
    async run(values, [file]) {
      const dir = required(values, 'vault', putUsage)
      const donate = stringOption(values, 'donate')
      const capacity = donate === undefined ? undefined : parseSize(donate)
      await assertFile(file!)
      const map = await withVault(dir, capacity, (vault, enc) => enc.encryptFile(file!, vault))
      process.stdout.write(`${encodeHandle(map)}\n`)
    },
  },
  {
    path: ['local', 'get'],
    usage: getUsage,
    positionals: 1,
    options: { vault: { type: 'string' }, out: { type: 'string' } },
    async run(values, [handle]) {
      const dir = required(values, 'vault', getUsage)
      const out = required(values, 'out', getUsage)
      const map = decodeHandle(handle!)
      const s = await stat(dir).catch(() => undefined)
      if (!s?.isDirectory()) throw new UsageError(`no vault at ${dir}`)
      await withVault(dir, undefined, (vault, enc) => enc.decryptToFile(map, vault, out))
    },
  },
]
