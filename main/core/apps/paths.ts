// Where an app may reach in the drive: paths inside its own container, or
// inside a folder the user granted. A path is checked as text before the
// drive sees it (no "..", no absolute path, no encoded separator or dot
// segment), and then walked so that no part of it is a symlink.
import type { Drive } from '../drive/index.ts'
import { badPath } from './errors.ts'

const MAX_PATH_CHARS = 1024
const NAME_MAX_BYTES = 255

/** The folder under the drive's root that holds every app's container. */
export const APPS_FOLDER = '/Apps'

export function containerOf(app: { id: string; manifest: { name: string } }): string {
  return `${APPS_FOLDER}/${app.manifest.name}-${app.id.slice(0, 8)}`
}

/** The names of a relative path, each checked; "" is the container itself. */
export function relativeNames(path: unknown): string[] {
  if (typeof path !== 'string') throw badPath('a path is text')
  if (path.length > MAX_PATH_CHARS) throw badPath(`longer than ${MAX_PATH_CHARS} characters`)
  if (path === '') return []
  if (path.startsWith('/')) throw badPath('a path in the container is relative (no leading "/")')
  return path.split('/').map(checkName)
}

function checkName(name: string): string {
  if (name === '') throw badPath('an empty name (a doubled or trailing "/")')
  if (name === '.' || name === '..') throw badPath(`"${name}" is not allowed`)
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(name)) throw badPath('control characters and "\\" are not allowed')
  if (Buffer.byteLength(name) > NAME_MAX_BYTES) throw badPath(`a name longer than ${NAME_MAX_BYTES} bytes`)
  // Whatever decodes the path later (a web page, a shell) must not find a ".." or a "/" in it.
  const decoded = decodeOnce(name)
  if (decoded === '.' || decoded === '..' || /[/\\]/.test(decoded) || decoded.includes('\0'))
    throw badPath(`"${name}" decodes to a path segment that is not allowed`)
  return name
}

function decodeOnce(name: string): string {
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/** The drive path of `path` inside `container`. */
export function inContainer(container: string, path: unknown): string {
  const names = relativeNames(path)
  return names.length === 0 ? container : `${container}/${names.join('/')}`
}

/** The drive path `path` (absolute) when it lies in one of `folders`; refused otherwise. */
export function inFolders(folders: string[], path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw badPath('a path in a shared folder starts with "/"')
  const names = relativeNames(path.slice(1))
  const full = `/${names.join('/')}`
  if (!folders.some((f) => f === '/' || full === f || full.startsWith(`${f}/`)))
    throw badPath(`${full} is in no folder granted to this app`)
  return full
}

/**
 * Refuses a path any part of which, below `from`, is a symlink: the drive
 * never follows one itself, but the content an app gets must be what its
 * path names, not what a link planted in its folder points at.
 */
export async function refuseSymlinks(drive: Drive, from: string, path: string): Promise<void> {
  const rest = path.slice(from.length).split('/').filter(Boolean)
  let at = from
  for (const name of rest) {
    at = `${at}/${name}`
    const kind = await drive
      .getattr(at)
      .then((a) => a.kind)
      .catch(() => undefined)
    if (kind === undefined) return
    if (kind === 'symlink') throw badPath(`${at.slice(from.length + 1)} is a symlink`)
  }
}
