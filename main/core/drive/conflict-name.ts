// The name a conflict copy gets beside the file it lost to:
// `report (conflict, laptop, 2026-12-07 14-03-12).txt`. The device and time
// say whose edit it holds and when it was made; the extension stays last so
// the copy opens with the same program.
const NAME_MAX_BYTES = 255

/** Characters a name in the drive may not hold, replaced in a device name. */
const UNSAFE = /[/\0]/g

export function conflictName(
  name: string,
  device: string,
  mtimeMs: number,
  taken: (n: string) => boolean,
): string {
  const dot = name.lastIndexOf('.')
  // A leading dot is a hidden file's name, not an extension.
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  const when = new Date(Number.isFinite(mtimeMs) ? mtimeMs : 0)
    .toISOString()
    .slice(0, 19)
    .replace('T', ' ')
    .replaceAll(':', '-')
  const who = device.replace(UNSAFE, '_') || 'unknown device'
  for (let n = 1; ; n++) {
    const tag = ` (conflict, ${who}, ${when}${n > 1 ? `, ${n}` : ''})`
    const candidate = `${fit(stem, NAME_MAX_BYTES - Buffer.byteLength(tag + ext))}${tag}${ext}`
    if (!taken(candidate)) return candidate
  }
}

/** `s` cut to at most `bytes` bytes of UTF-8, on a character boundary. */
function fit(s: string, bytes: number): string {
  if (Buffer.byteLength(s) <= bytes) return s
  let out = ''
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > Math.max(0, bytes)) break
    out += ch
  }
  return out
}
