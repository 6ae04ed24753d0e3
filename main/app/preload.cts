// The window's bridge to the node, exposed as window.peerdrive and nothing
// more: a sandboxed preload (CommonJS), with context isolation.
import type { ContextBridge, IpcRenderer } from 'electron'

// a sandboxed preload is CommonJS and may only require('electron')
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as {
  contextBridge: ContextBridge
  ipcRenderer: IpcRenderer
}

const CALL_CHANNEL = 'peerdrive:call'
const EVENT_CHANNEL = 'peerdrive:event'
const SHOW_CHANNEL = 'peerdrive:show-in-folder'

contextBridge.exposeInMainWorld('peerdrive', {
  call: (command: string, args: unknown) => ipcRenderer.invoke(CALL_CHANNEL, command, args),
  onEvent: (listener: (event: unknown) => void) => {
    const forward = (_e: unknown, event: unknown) => listener(event)
    ipcRenderer.on(EVENT_CHANNEL, forward)
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, forward)
  },
  showInFolder: (path: string) => ipcRenderer.invoke(SHOW_CHANNEL, path),
})
