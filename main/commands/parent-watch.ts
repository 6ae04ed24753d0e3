// For processes another process starts and owns (the vaults of a local
// network): notice when that parent is gone, however it ended — killed with
// SIGKILL included, when it had no chance to stop its children.
//
// The first sign is the parent's end of a pipe closing: it holds our stdin
// (and an IPC channel, when it opened one), and the kernel closes both when it
// dies. A pipe handed on to another process would stay open, so the parent's
// pid is watched too: not by polling that pid, which the system may give to a
// new process, but by our own parent pid changing (an orphan is re-parented).

const PPID_POLL_MS = 1000

/** Resolves, with how it was noticed, once the parent is gone. */
export function whenParentGone(pollMs = PPID_POLL_MS): Promise<string> {
  const parent = process.ppid
  return new Promise((resolve) => {
    process.stdin
      .on('end', () => resolve('its pipe closed'))
      .on('error', () => resolve('its pipe failed'))
      .resume()
    if (process.channel) process.once('disconnect', () => resolve('its IPC channel closed'))
    const timer = setInterval(() => {
      if (process.ppid !== parent) resolve('this process was re-parented')
    }, pollMs)
    timer.unref()
  })
}
