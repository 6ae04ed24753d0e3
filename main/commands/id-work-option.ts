// `--id-work <bits>`: the work a network asks of its vaults' ids
// (core/net/id-work.ts). Kept apart from command.ts, which every command
// loads: this one loads libp2p's key code, which only the node commands need.
import { UsageError } from '../core/errors.ts'
import { DEFAULT_ID_WORK_BITS } from '../core/net/id-work.ts'
import { intOption } from './command.ts'
import type { OptionValues } from './command.ts'

/** The bits asked for, 0 to 32; the default is a network of strangers'. */
export function idWorkOption(values: OptionValues): number {
  const bits = intOption(values, 'id-work', DEFAULT_ID_WORK_BITS, 0)
  if (bits > 32) throw new UsageError(`--id-work must be at most 32 bits, got ${bits}`)
  return bits
}
