// Where the CLI gets account credentials: environment variables for
// scripts, otherwise prompts on the terminal with the typing hidden.
import { UsageError } from '../core/errors.ts'
import type { Credentials } from '../core/account/index.ts'

export const CREDENTIAL_ENV = {
  keyword: 'PEERDRIVE_KEYWORD',
  pin: 'PEERDRIVE_PIN',
  password: 'PEERDRIVE_PASSWORD',
  newPassword: 'PEERDRIVE_NEW_PASSWORD',
} as const

export async function readCredentials(): Promise<Credentials> {
  return {
    keyword: await ask(CREDENTIAL_ENV.keyword, 'Keyword: '),
    pin: await ask(CREDENTIAL_ENV.pin, 'PIN: '),
    password: await ask(CREDENTIAL_ENV.password, 'Password: '),
  }
}

export async function readNewPassword(): Promise<string> {
  const fromEnv = process.env[CREDENTIAL_ENV.newPassword]
  if (fromEnv !== undefined) return fromEnv
  const first = await ask(undefined, 'New password: ')
  if ((await ask(undefined, 'New password again: ')) !== first)
    throw new UsageError('the two new passwords differ; nothing was changed')
  return first
}

async function ask(variable: string | undefined, prompt: string): Promise<string> {
  const fromEnv = variable === undefined ? undefined : process.env[variable]
  if (fromEnv !== undefined) return fromEnv
  if (!process.stdin.isTTY)
    throw new UsageError(`no terminal to ask on: set ${variable ?? CREDENTIAL_ENV.newPassword}`)
  return hiddenLine(prompt)
}

/** One line from the terminal, echoing nothing of what is typed. */
function hiddenLine(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  let line = ''
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(line)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done()
        if (ch === '\u0003') return done(new UsageError('cancelled'))
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1)
        else line += ch
      }
    }
    stdin.on('data', onData)
  })
}
