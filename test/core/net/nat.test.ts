// Homes behind NATs: a small internet of network namespaces (test/netns.ts)
// with five public vaults and four homes, each behind its own masquerading
// router with no port forwarded; the fourth home's router also maps ports on
// request (UPnP), as most home routers do. The public vaults learn from
// AutoNAT that they are reachable and relay; the home nodes learn they are
// not and stay clients only, holding relay reservations. A file written
// through the drive in one home, while one of the home's relays is killed, is
// read back byte-identical from the same account logged in in another home.
// Two homes behind plain NATs reach each other through a relay only: hole
// punching cannot succeed between them with libp2p's TCP and QUIC transports
// (docs/NETWORK.md, "Reachability"). A home whose router mapped a port reaches
// a home behind a plain NAT through a relay, and DCUtR turns that connection
// into a direct one.
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { detachMount } from '../../../native/mount-point.ts'
import type { StatusResult } from '../../../main/core/api/index.ts'
import { repoRoot, tempDir } from '../../helpers.ts'
import { TestInternet, netnsUnavailable } from '../../netns.ts'
import { waitFor } from './support.ts'

const execFileP = promisify(execFile)
const bin = join(repoRoot, 'main', 'bin.mjs')
const natPeer = join(repoRoot, 'test', 'core', 'net', 'nat-peer.ts')
const creds = { PEERDRIVE_KEYWORD: 'lighthouse', PEERDRIVE_PIN: '4711', PEERDRIVE_PASSWORD: 'far shore 9' }
const unavailable = netnsUnavailable()
const MiB = 2 ** 20
/** The work every vault's id carries on this test's internet (net/id-work.ts): 256 keys each. */
const ID_WORK = 8

interface Proc {
  child: ChildProcess
  /** Parsed JSON lines from stdout, newest last. */
  events: Record<string, unknown>[]
  output: () => string
}

/** Follows a child's stdout as JSON lines (and keeps everything it printed, for failure messages). */
function follow(child: ChildProcess): Proc {
  const events: Record<string, unknown>[] = []
  let text = ''
  let partial = ''
  child.stdout!.on('data', (d: Buffer) => {
    text += d
    partial += d
    let nl
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl)
      partial = partial.slice(nl + 1)
      try {
        events.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        // a line for people, kept in the text only
      }
    }
  })
  child.stderr!.on('data', (d: Buffer) => (text += d))
  return { child, events, output: () => text.slice(-4000) }
}

test(
  'homes behind NATs: client-only home nodes, public vaults that relay, a file across homes through a killed relay, a direct home-to-home connection',
  // eight minutes on a loaded two-core machine: more than the runner's default per test
  { skip: unavailable ? `network namespaces: ${unavailable}` : false, timeout: 25 * 60_000 },
  async (t) => {
    const net = TestInternet.build({ publicHosts: 5, homes: 4, upnpHomes: [3] })
    t.after(() => net.destroy())
    const dir = await tempDir(t)
    const started = Date.now()
    // progress on stderr: on a slow machine the step a deadline ran out in is what matters
    const step = (what: string) =>
      process.stderr.write(`nat test ${((Date.now() - started) / 1000).toFixed(0)} s: ${what}\n`)

    // the network: five public vaults on fixed ports, so their addresses are known before AutoNAT verifies them
    const vault = (ns: string, name: string, listen: string[], bootstrap: string[]) => {
      // a home behind a plain NAT is a client only, with no vault to earn an allowance: storage is free here
      const args = [
        bin,
        'node',
        'run',
        '--vault',
        join(dir, name),
        '--donate',
        '256MiB',
        '--with-parent',
        '--free-storage',
        // a network of strangers: every vault's id carries work, lighter than the default to start quickly
        '--id-work',
        String(ID_WORK),
      ]
      for (const l of listen) args.push('--listen', l)
      for (const b of bootstrap) args.push('--bootstrap', b)
      // stdin stays a pipe: a vault ends when this process does, however it ends
      return follow(net.spawn(ns, process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }))
    }
    const peerIdOf = async (p: Proc, what: string) => {
      await waitFor(
        () => p.events.some((e) => e.event === 'ready') || p.child.exitCode !== null,
        120_000,
        what,
      )
      assert.equal(p.child.exitCode, null, `${what} ended: ${p.output()}`)
      return p.events.find((e) => e.event === 'ready')!.peerId as string
    }
    const publicListen = (ip: string) => [`/ip4/${ip}/tcp/4001`, `/ip4/${ip}/udp/4001/quic-v1`]
    const publics: { proc: Proc; id: string; addr: string }[] = []
    const first = vault(net.publicHosts[0]!.ns, 'pub0', publicListen(net.publicHosts[0]!.ip), [])
    const firstId = await peerIdOf(first, 'the first public vault')
    publics.push({ proc: first, id: firstId, addr: `/ip4/${net.publicHosts[0]!.ip}/tcp/4001/p2p/${firstId}` })
    const rest = net.publicHosts
      .slice(1)
      .map((h, i) => vault(h.ns, `pub${i + 1}`, publicListen(h.ip), [publics[0]!.addr]))
    for (const [i, proc] of rest.entries()) {
      const id = await peerIdOf(proc, `public vault ${i + 1}`)
      publics.push({ proc, id, addr: `/ip4/${net.publicHosts[i + 1]!.ip}/tcp/4001/p2p/${id}` })
    }
    step('public vaults started')
    const boot = publics.slice(0, 2).map((p) => p.addr)
    const homeListen = ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/udp/0/quic-v1']
    // homes 0 and 1 hold a drive node (a vault node with a drive), home 2 a plain vault
    const homeVault = vault(net.homes[2]!.ns, 'home2-vault', homeListen, boot)
    await peerIdOf(homeVault, 'the vault in home 2')

    // a drive node in two homes: `peerdrive up`, sharing only the home's network, so its FUSE mount is visible here
    const up = async (home: number) => {
      const ns = net.homes[home]!.ns
      const base = join(dir, `up${home}`)
      const mount = join(base, 'mnt')
      await mkdir(mount, { recursive: true })
      const env = { ...process.env, PEERDRIVE_HOME: base }
      const args = [
        bin,
        'up',
        '--vault',
        join(base, 'vault'),
        '--mount',
        mount,
        '--donate',
        '256MiB',
        '--free-storage',
        '--id-work',
        String(ID_WORK),
      ]
      for (const b of boot) args.push('--bootstrap', b)
      const proc = follow(
        net.spawnNetOnly(ns, process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] }),
      )
      net.onDestroy(() => execFileSync('fusermount', ['-uz', mount], { stdio: 'ignore' }))
      const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()))
      // flushed and unmounted first; the namespaces go after this (t.after runs last-registered first)
      t.after(async () => {
        proc.child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))])
        proc.child.kill('SIGKILL')
        await detachMount(mount).catch(() => {})
      })
      await waitFor(() => /Press Ctrl-C/.test(proc.output()) || proc.child.exitCode !== null, 180_000, 'up')
      assert.equal(proc.child.exitCode, null, proc.output())
      const cli = async (cmd: string[], extra: Record<string, string> = {}) => {
        const { stdout } = await execFileP(
          'nsenter',
          [`--net=/run/netns/${ns}`, process.execPath, bin, ...cmd],
          { env: { ...env, ...extra }, timeout: 180_000 },
        )
        return stdout
      }
      const status = async () => JSON.parse(await cli(['status', '--json'])) as StatusResult
      return { mount, cli, status, proc }
    }
    step('home vaults started')
    const a = await up(0)
    step('home 0 drive node up')
    const b = await up(1)

    step('home 1 drive node up')
    // the public vaults verify each other and serve; the drive nodes count only them as vaults
    await waitFor(
      async () => (await a.status()).peers >= 4,
      240_000,
      'home 0 to know a close group of vaults',
    )
    const early = await a.status()
    assert.equal(early.network.client_only, true, JSON.stringify(early.network))
    assert.ok(early.network.reachability === 'unknown' || early.network.reachability === 'private')
    assert.ok(
      early.peers <= publics.length,
      'only the public vaults count as vaults: home nodes are clients only',
    )

    step('home 0 knows the public vaults')
    // behind its router, the home's node finds it is private, and holds reservations on public relays
    // one status shows both: under load a reservation can drop and come back between two reads
    let reach: StatusResult['network'] | undefined
    await waitFor(
      async () => {
        const n = (await a.status()).network
        if (n.reachability === 'private' && (n.relayed_via?.length ?? 0) > 0) reach = n
        return reach !== undefined
      },
      240_000,
      'home 0 to call itself private, reachable through a relay',
    )
    assert.ok(
      reach!.addresses!.some((ma) => ma.includes('/p2p-circuit')),
      reach!.addresses!.join('\n'),
    )
    for (const relay of reach!.relayed_via!)
      assert.ok(
        publics.some((p) => p.id === relay),
        `relay ${relay} is one of the public vaults`,
      )

    step('home 0 is private and relayed')
    // a file written in home 0; one of its relays is killed while the file uploads
    await a.cli(['account', 'create', '--json'], creds)
    await waitFor(async () => (await a.status()).mounted, 120_000, 'home 0 to mount the drive')
    step('account created, drive mounted')
    const body = randomBytes(16 * MiB)
    await writeFile(join(a.mount, 'voyage.bin'), body)
    const relay = publics.find((p) => p.id === reach!.relayed_via![0])!
    const during = await a.status()
    relay.proc.child.kill('SIGKILL')
    assert.notEqual(during.sync.state, 'synced', 'the relay was killed while the file was still uploading')
    await waitFor(async () => (await a.status()).sync.state === 'synced', 300_000, 'home 0 to sync')

    step('home 0 synced')
    // the same account in home 1 reads it back
    await b.cli(['account', 'login'], creds)
    await waitFor(async () => (await b.status()).mounted, 120_000, 'home 1 to mount the drive')
    const read = await readFile(join(b.mount, 'voyage.bin'))
    assert.equal(
      createHash('sha256').update(read).digest('hex'),
      createHash('sha256').update(body).digest('hex'),
    )

    step('home 1 read the file')
    // client-only: the home nodes store nothing for anyone
    for (const vaultDir of ['home2-vault', 'up0/vault', 'up1/vault']) {
      const chunks = join(dir, vaultDir, 'chunks')
      let held = 0
      for (const shard of await readdir(chunks).catch(() => []))
        held += (await readdir(join(chunks, shard)).catch(() => [])).length
      assert.equal(held, 0, `${vaultDir} holds chunks`)
    }

    step('home nodes hold nothing')
    // two homes reach each other through a public relay
    const alive = publics.filter((p) => p !== relay).map((p) => p.addr)
    const peer = (home: number, extra: string[] = []) =>
      follow(
        net.spawn(
          net.homes[home]!.ns,
          process.execPath,
          [natPeer, homeListen.join(','), ...extra, ...alive],
          {
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        ),
      )
    const there = peer(2)
    const here = peer(0)
    // home 3's router maps the peer's ports by UPnP; started now, it is verified while the others settle
    const mapped = peer(3, ['--upnp'])
    const thereId = await peerIdOf(there, 'the peer in home 2')
    await peerIdOf(here, 'the peer in home 0')
    await peerIdOf(mapped, 'the peer in home 3')
    interface Conn {
      peer: string
      addr: string
      relayed: boolean
      direction: string
    }
    const lastState = (p: Proc) =>
      p.events.findLast((e) => e.event === 'state') as
        { addresses: string[]; connections: Conn[] } | undefined
    await waitFor(
      () => (lastState(there)?.addresses ?? []).some((ma) => ma.includes('/p2p-circuit')),
      120_000,
      'the peer in home 2 to hold a relay reservation',
    )
    const circuit = lastState(there)!.addresses.find((ma) => ma.includes('/p2p-circuit'))!
    here.child.stdin!.write(`dial ${circuit}\n`)
    await waitFor(
      () => (lastState(here)?.connections ?? []).some((c) => c.peer === thereId),
      60_000,
      `home 0 to reach home 2 through ${circuit}`,
    )
    const conns = lastState(here)!.connections.filter((c) => c.peer === thereId)
    t.diagnostic(`home 0 → home 2: ${conns.map((c) => (c.relayed ? 'relayed' : 'direct')).join(', ')}`)

    step('home 0 reached home 2 through a relay')
    // home 3: AutoNAT verified the port its router mapped, so the node is dialable at the router's address
    const wan3 = `/ip4/${net.homes[3]!.wanIp}/`
    await waitFor(
      () => (lastState(mapped)?.addresses ?? []).some((ma) => ma.startsWith(wan3)),
      180_000,
      `the peer in home 3 to have its router's address ${net.homes[3]!.wanIp} verified`,
    )
    // home 3 dials home 2 through a relay; DCUtR on home 2's side sees home 3's verified address and dials it
    mapped.child.stdin!.write(`dial ${circuit}\n`)
    const direct = (c: Conn) => c.peer === thereId && !c.relayed
    await waitFor(
      () => (lastState(mapped)?.connections ?? []).some(direct),
      90_000,
      'a direct connection between home 3 and home 2',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; home 3 said: ${mapped.output()}`)
    })
    const history = mapped.events
      .filter((e) => (e.event === 'open' || e.event === 'close') && e.peer === thereId)
      .map(
        (e) =>
          `${e.event as string} ${e.relayed ? 'relayed' : 'direct'} ${e.direction as string} ${e.addr as string}`,
      )
    const upgraded = lastState(mapped)!.connections.find(direct)!
    t.diagnostic(`home 3 → home 2: direct over ${upgraded.addr} (${upgraded.direction})`)
    t.diagnostic(`home 3 ↔ home 2 connections, in order: ${history.join('; ')}`)
    assert.ok(
      upgraded.addr.includes(`/ip4/${net.homes[2]!.wanIp}/`),
      `the direct connection comes from home 2's router: ${upgraded.addr}`,
    )
    step('home 3 and home 2 connected directly')
  },
)
