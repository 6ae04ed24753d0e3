// The shape every CLI command has, so main/cli.ts can route and validate them alike.
import type { ParseArgsConfig } from 'node:util'
import { findEndpoint } from '../core/api/client.ts'
import type { ApiEndpoint } from '../core/api/client.ts'
import { UsageError } from '../core/errors.ts'
import { defaultHome } from '../core/paths.ts'

export type OptionValues = Record<string, string | boolean | string[] | undefined>

export interface Command {
  /** The words that select it, e.g. ['local', 'put']. */
  path: string[]
  usage: string
  positionals: number
  options: NonNullable<ParseArgsConfig['options']>
  run(values: OptionValues, positionals: string[]): Promise<void>
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}

export function listOption(values: OptionValues, name: string): string[] {
  const v = values[name]
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
}

export function intOption(values: OptionValues, name: string, fallback: number, min = 1): number {
  const v = stringOption(values, name)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${v}"`)
  return n
}

/**
 * Resolves when the process is told to stop (SIGINT/SIGTERM). Later signals
 * are ignored rather than killing the process mid-flush: one Ctrl-C reaches
 * it from the terminal and again through each launcher above it (npm, the
 * bootstrap, npm start's launcher).
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.on('SIGINT', () => resolve('SIGINT'))
    process.on('SIGTERM', () => resolve('SIGTERM'))
  })
}

/** Prints benchmark or status figures as `key: value` lines, or one JSON object. */
export function printFigures(figures: Record<string, unknown>, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(figures)}\n`)
    return
  }
  const width = Math.max(...Object.keys(figures).map((k) => k.length))
  for (const [key, value] of Object.entries(figures)) {
    const shown = typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : String(value)
    process.stdout.write(`${key.padEnd(width)}  ${shown}\n`)
  }
}

/** A farming target: the chance, in (0, 1], that one served chunk mints a coin. */
export function targetOption(values: OptionValues, name: string): number | undefined {
  const v = stringOption(values, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!(n > 0 && n <= 1))
    throw new UsageError(`--${name} is a chance between 0 and 1 (e.g. 0.001), got "${v}"`)
  return n
}

/** The running node's API: its port from --api-port, or from the api.json it wrote. */
export async function nodeEndpoint(values: OptionValues): Promise<ApiEndpoint> {
  const port = values['api-port'] === undefined ? undefined : intOption(values, 'api-port', 0, 1)
  return findEndpoint(defaultHome(), port)
}
