// A notes app for PeerDrive, using only the SDK: it asks the running node for
// access, keeps each note as a file in its own folder of the user's drive,
// and publishes the notes for anyone to read by address. It serves a tiny
// page and a JSON API on loopback.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PeerDriveApp } from 'peerdrive/sdk'
import type { AccessOptions } from 'peerdrive/sdk'

export const manifest = {
  name: 'Notes',
  version: '1.0.0',
  developer_wallet: '5e'.repeat(32),
  usage_price: 0,
  permissions: { container: true, publish: true, storage_bytes: 16 * 2 ** 20 },
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>Notes</title>
<h1>Notes</h1><ul id="notes"></ul>
<form id="f"><input id="name" placeholder="name" required><textarea id="text"></textarea><button>Save</button></form>
<button id="pub">Publish</button><p id="addr"></p>
<script type="module">
const api = (path, body) => fetch(path, { method: body ? 'POST' : 'GET', body: body && JSON.stringify(body) }).then((r) => r.json())
const show = async () => { notes.innerHTML = ''; for (const n of await api('/notes')) notes.append(Object.assign(document.createElement('li'), { textContent: n })) }
f.onsubmit = async (e) => { e.preventDefault(); await api('/notes', { name: name.value, text: text.value }); show() }
pub.onclick = async () => { addr.textContent = (await api('/publish', {})).address }
show()
</script>`

/** Serves the notes of `app` on 127.0.0.1 (a port of the system's choice unless given). */
export async function serveNotes(app: PeerDriveApp, port = 0): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (status: number, doc: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(doc))
    }
    const body = async () => {
      let text = ''
      for await (const part of req) text += part
      return JSON.parse(text || '{}') as Record<string, string>
    }
    const work = async () => {
      if (req.url === '/' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html' })
        return res.end(PAGE)
      }
      if (req.url === '/notes' && req.method === 'GET')
        return send(
          200,
          (await app.list('notes').catch(() => [])).map((e) => e.name.replace(/\.txt$/, '')),
        )
      if (req.url === '/notes' && req.method === 'POST') {
        const { name, text } = await body()
        if (!/^[\w -]{1,64}$/.test(name ?? '')) return send(400, { error: 'a note name is 1-64 letters' })
        await app.writeFile(`notes/${name}.txt`, text ?? '')
        return send(200, { saved: name })
      }
      if (req.url?.startsWith('/notes/') && req.method === 'GET')
        return send(200, { text: await app.readText(`notes/${decodeURIComponent(req.url.slice(7))}.txt`) })
      if (req.url === '/publish' && req.method === 'POST')
        return send(200, { address: await app.publish('notes') })
      send(404, { error: 'not found' })
    }
    work().catch((err: Error) =>
      send(err.name === 'BadPathError' ? 400 : 500, { error: err.message, name: err.name }),
    )
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return server
}

/** `node examples/notes/notes.ts [port]`: asks for access, then serves until stopped. */
export async function main(opts: Partial<AccessOptions> = {}, port = 0): Promise<Server> {
  const app = await PeerDriveApp.requestAccess({
    manifest,
    tokenFile: '.notes-token',
    onPending: (id) => console.log(`waiting for the user: peerdrive apps grant ${id}`),
    ...opts,
  })
  const server = await serveNotes(app, port)
  console.log(`Notes on http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  return server
}

if (import.meta.main) await main({}, Number(process.argv[2] ?? 0))
