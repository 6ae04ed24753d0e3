// `peerdrive bench …`: figures measured against a baseline taken in the same run.
import { UsageError } from '../core/errors.ts'
import { benchAccount } from '../core/account/bench.ts'
import { benchSelfenc } from '../core/selfenc/bench.ts'
import { benchVault } from '../core/vault/bench.ts'
import { benchNet } from '../core/testnet/bench-net.ts'
import { benchFarm } from '../core/testnet/bench-farm.ts'
import { benchFuse } from '../core/testnet/bench-fuse.ts'
import { benchScale } from '../core/testnet/bench-scale.ts'
import { benchMemory } from '../core/testnet/bench-memory.ts'
import { benchIdWork } from '../core/net/id-work-bench.ts'
import { DEFAULT_ID_WORK_BITS } from '../core/net/id-work.ts'
import type { Command, OptionValues } from './command.ts'
import { intOption, printFigures, stringOption } from './command.ts'

function progress(json: boolean): (line: string) => void {
  return (line) => {
    if (!json) process.stderr.write(`${line}\n`)
  }
}

function sizeOption(values: OptionValues): number | undefined {
  const size = stringOption(values, 'size')
  const sizeMiB = size === undefined ? undefined : Number(size)
  if (sizeMiB !== undefined && !(Number.isInteger(sizeMiB) && sizeMiB > 0)) {
    throw new UsageError(`--size is a whole number of MiB, got "${size}"`)
  }
  return sizeMiB
}

async function selfenc(values: OptionValues): Promise<Record<string, number>> {
  return { ...(await benchSelfenc({ sizeMiB: sizeOption(values), log: progress(values.json === true) })) }
}

async function fuse(values: OptionValues): Promise<Record<string, number>> {
  return { ...(await benchFuse({ sizeMiB: sizeOption(values), log: progress(values.json === true) })) }
}

async function vault(values: OptionValues): Promise<Record<string, number>> {
  return { ...(await benchVault({ log: progress(values.json === true) })) }
}

async function net(values: OptionValues): Promise<Record<string, number>> {
  const nodes = intOption(values, 'nodes', 8, 5)
  return { ...(await benchNet({ nodes, log: progress(values.json === true) })) }
}

async function account(values: OptionValues): Promise<Record<string, number>> {
  return { ...(await benchAccount({ log: progress(values.json === true) })) }
}

async function farm(values: OptionValues): Promise<Record<string, number>> {
  const nodes = intOption(values, 'nodes', 8, 5)
  return { ...(await benchFarm({ nodes, log: progress(values.json === true) })) }
}

/** `--nodes 100,300,1000`: the network sizes to run, in order. */
function sizesOption(values: OptionValues): number[] {
  const text = stringOption(values, 'nodes') ?? '100,300,1000'
  const sizes = text.split(',').map((s) => Number(s.trim()))
  if (!sizes.every((n) => Number.isInteger(n) && n >= 5))
    throw new UsageError(`--nodes is a comma-separated list of whole numbers ≥ 5, got "${text}"`)
  return sizes
}

async function scale(values: OptionValues): Promise<{ runs: Record<string, unknown>[] }> {
  return benchScale({
    nodes: sizesOption(values),
    perProcess: values['per-process'] === undefined ? undefined : intOption(values, 'per-process', 1),
    log: progress(values.json === true),
  }) as unknown as Promise<{ runs: Record<string, unknown>[] }>
}

const json = { type: 'boolean' } as const

export const benchCommands: Command[] = [
  {
    path: ['bench', 'selfenc'],
    usage: 'bench selfenc [--size <MiB>] [--json]',
    positionals: 0,
    options: { size: { type: 'string' }, json },
    async run(values) {
      printFigures(await selfenc(values), values.json === true)
    },
  },
  {
    path: ['bench', 'vault'],
    usage: 'bench vault [--json]',
    positionals: 0,
    options: { json },
    async run(values) {
      printFigures(await vault(values), values.json === true)
    },
  },
  {
    path: ['bench', 'net'],
    usage: 'bench net [--nodes <N>] [--json]',
    positionals: 0,
    options: { nodes: { type: 'string' }, json },
    async run(values) {
      printFigures(await net(values), values.json === true)
    },
  },
  {
    path: ['bench', 'account'],
    usage: 'bench account [--json]',
    positionals: 0,
    options: { json },
    async run(values) {
      printFigures(await account(values), values.json === true)
    },
  },
  {
    path: ['bench', 'farm'],
    usage: 'bench farm [--nodes <N>] [--json]',
    positionals: 0,
    options: { nodes: { type: 'string' }, json },
    async run(values) {
      printFigures(await farm(values), values.json === true)
    },
  },
  {
    path: ['bench', 'fuse'],
    usage: 'bench fuse [--size <MiB>] [--json]',
    positionals: 0,
    options: { size: { type: 'string' }, json },
    async run(values) {
      printFigures(await fuse(values), values.json === true)
    },
  },
  {
    path: ['bench', 'memory'],
    usage: 'bench memory [--idle <seconds>] [--json]',
    positionals: 0,
    options: { idle: { type: 'string' }, json },
    async run(values) {
      const idleSeconds = intOption(values, 'idle', 30)
      printFigures(
        { ...(await benchMemory({ idleSeconds, log: progress(values.json === true) })) },
        values.json === true,
      )
    },
  },
  {
    path: ['bench', 'id-work'],
    usage: 'bench id-work [--bits <B>] [--ids <K>] [--json]',
    positionals: 0,
    options: { bits: { type: 'string' }, ids: { type: 'string' }, json },
    async run(values) {
      const bits = intOption(values, 'bits', DEFAULT_ID_WORK_BITS, 0)
      if (bits > 24) throw new UsageError(`--bits is at most 24 here, got ${bits}`)
      const ids = intOption(values, 'ids', 5)
      printFigures(
        { ...(await benchIdWork({ bits, ids, log: progress(values.json === true) })) },
        values.json === true,
      )
    },
  },
  {
    path: ['bench', 'scale'],
    usage: 'bench scale [--nodes <N,N,…>] [--per-process <K>] [--json]',
    positionals: 0,
    options: { nodes: { type: 'string' }, 'per-process': { type: 'string' }, json },
    async run(values) {
      const result = await scale(values)
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(result)}\n`)
        return
      }
      for (const run of result.runs) {
        process.stdout.write(`# ${String(run.nodes)} vaults\n`)
        printFigures(run, false)
      }
    },
  },
  {
    path: ['bench', 'all'],
    usage: 'bench all [--json]',
    positionals: 0,
    options: { nodes: { type: 'string' }, json },
    async run(values) {
      const figures = {
        selfenc: await selfenc(values),
        vault: await vault(values),
        net: await net(values),
        account: await account(values),
        farm: await farm(values),
        fuse: await fuse({ ...values, size: undefined }),
      }
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(figures)}\n`)
        return
      }
      for (const [name, f] of Object.entries(figures)) {
        process.stdout.write(`# ${name}\n`)
        printFigures(f, false)
      }
    },
  },
]
