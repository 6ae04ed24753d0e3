// A small internet on this machine, made of Linux network namespaces: an
// "internet" namespace with a bridge, public hosts on it, and homes, each a
// LAN behind its own router namespace that masquerades (NAT, no port
// forwarding) and, where asked, also maps ports on request over UPnP
// (miniupnpd, as most home routers do). Nothing is attached to this machine's
// own network namespace, so no address here can reach or be reached from
// outside. Everything made is removed by destroy(), which also runs from a
// process 'exit' handler.
//
// The public side uses 7.77.0.0/24, outside every private and reserved range:
// libp2p treats those ranges as "not the internet" (AutoNAT does not verify
// them, DCUtR does not punch to them), so a test internet built on them could
// never show a node as publicly reachable. The homes' LANs are private
// (10.77.<home>.0/24), as real homes are.
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const PUBLIC_NET = '7.77.0'
const run = (args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })

/** Why namespace tests cannot run here, or undefined when they can (root, `ip netns`, iptables). */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only'
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces'
  const probe = `pdprobe${randomBytes(3).toString('hex')}`
  try {
    run(['ip', 'netns', 'add', probe])
  } catch (err) {
    return `ip netns is unavailable: ${(err as Error).message.split('\n')[0]}`
  } finally {
    try {
      run(['ip', 'netns', 'del', probe])
    } catch {
      // it was never made
    }
  }
  try {
    run(['iptables', '--version'])
  } catch {
    return 'iptables is not installed'
  }
  for (const [tool, pkg] of [
    ['nft', 'nftables'],
    ['miniupnpd', 'miniupnpd-nftables'],
  ] as const) {
    try {
      run(['sh', '-c', `command -v ${tool}`])
    } catch {
      return `${tool} is not installed (${pkg}): the UPnP home router needs it`
    }
  }
  return undefined
}

export interface Home {
  /** The namespace the home's computers share (one LAN). */
  ns: string
  /** The LAN address of the home's computers. */
  ip: string
  /** The router's address on the internet: what the world sees of this home. */
  wanIp: string
  /** Whether the router maps ports on request (UPnP IGD); otherwise nothing from outside gets in. */
  upnp: boolean
}

export interface InternetShape {
  publicHosts: number
  homes: number
  /** Indexes of the homes whose router answers UPnP port-mapping requests. */
  upnpHomes?: number[]
}

export class TestInternet {
  readonly prefix: string
  readonly publicHosts: { ns: string; ip: string }[] = []
  readonly homes: Home[] = []
  private readonly namespaces: string[] = []
  private readonly children = new Set<ChildProcess>()
  private readonly cleanups: (() => void)[] = []
  private scratchDir: string | undefined
  private destroyed = false
  private readonly onExit = () => this.destroy()

  private constructor() {
    // unique per run: two runs (or a leftover of a killed one) never share a name
    this.prefix = `pd${randomBytes(3).toString('hex')}`
    process.on('exit', this.onExit)
  }

  static build(opts: InternetShape): TestInternet {
    const net = new TestInternet()
    try {
      net.make(opts)
    } catch (err) {
      net.destroy()
      throw err
    }
    return net
  }

  private make(opts: InternetShape): void {
    const inet = this.namespace('inet')
    this.in(inet, ['ip', 'link', 'add', 'name', 'br0', 'type', 'bridge'])
    this.in(inet, ['ip', 'link', 'set', 'br0', 'up'])
    for (let i = 0; i < opts.publicHosts; i++) {
      const ns = this.namespace(`pub${i}`)
      const ip = `${PUBLIC_NET}.${11 + i}`
      this.cable(inet, `${this.prefix}p${i}`, ns, 'eth0')
      this.in(inet, ['ip', 'link', 'set', `${this.prefix}p${i}`, 'master', 'br0'])
      this.in(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
      this.publicHosts.push({ ns, ip })
    }
    for (let h = 0; h < opts.homes; h++) {
      const router = this.namespace(`rtr${h}`)
      const ns = this.namespace(`home${h}`)
      const wanIp = `${PUBLIC_NET}.${101 + h}`
      const ip = `10.77.${h}.2`
      this.cable(inet, `${this.prefix}w${h}`, router, 'wan')
      this.in(inet, ['ip', 'link', 'set', `${this.prefix}w${h}`, 'master', 'br0'])
      this.in(router, ['ip', 'addr', 'add', `${wanIp}/24`, 'dev', 'wan'])
      this.cable(router, 'lan', ns, 'eth0')
      this.in(router, ['ip', 'addr', 'add', `10.77.${h}.1/24`, 'dev', 'lan'])
      this.in(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
      this.in(ns, ['ip', 'route', 'add', 'default', 'via', `10.77.${h}.1`])
      // a home router: forwards out, masquerades, lets in only what answers the home's own traffic
      this.in(router, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'])
      this.in(router, ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE'])
      this.in(router, [
        'iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan',
        '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT',
      ]) // prettier-ignore
      this.in(router, ['iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-j', 'DROP'])
      const upnp = opts.upnpHomes?.includes(h) ?? false
      if (upnp) this.upnpGateway(router, h)
      this.homes.push({ ns, ip, wanIp, upnp })
    }
  }

  /**
   * Makes a router a UPnP Internet Gateway Device: miniupnpd answers the LAN's
   * mapping requests by adding a port forward (a DNAT rule) to the router's
   * nftables, and the forward chain lets in what those rules redirect.
   */
  private upnpGateway(router: string, home: number): void {
    const dir = this.scratch()
    const rules = join(dir, `upnp${home}.nft`)
    // the chains miniupnpd fills in (its own table, beside the iptables ones above)
    writeFileSync(
      rules,
      ['table inet upnp {', '  chain forward {', '    type filter hook forward priority 0; policy accept;',
        '    jump miniupnpd', '  }', '  chain miniupnpd {', '  }', '  chain prerouting {',
        '    type nat hook prerouting priority -100; policy accept;', '    jump prerouting_miniupnpd', '  }',
        '  chain postrouting {', '    type nat hook postrouting priority 100; policy accept;',
        '    jump postrouting_miniupnpd', '  }', '  chain prerouting_miniupnpd {', '  }',
        '  chain postrouting_miniupnpd {', '  }', '}', ''].join('\n'),
    ) // prettier-ignore
    this.in(router, ['nft', '-f', rules])
    // a mapped port is forwarded: the router's firewall lets in what its DNAT rules redirected
    this.in(router, [
      'iptables', '-I', 'FORWARD', '1', '-i', 'wan', '-o', 'lan',
      '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT',
    ]) // prettier-ignore
    const conf = join(dir, `miniupnpd${home}.conf`)
    writeFileSync(
      conf,
      [
        'ext_ifname=wan',
        'listening_ip=lan',
        'http_port=5000',
        'enable_natpmp=no',
        'enable_upnp=yes',
        // a LAN host may map ports only to itself
        'secure_mode=yes',
        `uuid=${randomUUID()}`,
        'upnp_table_name=upnp',
        'upnp_nat_table_name=upnp',
        `allow 1024-65535 10.77.${home}.0/24 1024-65535`,
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    )
    // -d: stays in the foreground, so destroy() kills it with the other children
    const args = ['-d', '-f', conf, '-P', join(dir, `miniupnpd${home}.pid`)]
    this.track(spawn('ip', ['netns', 'exec', router, 'miniupnpd', ...args], { stdio: 'ignore' }))
  }

  /** A directory for configuration files, removed by destroy(). */
  private scratch(): string {
    this.scratchDir ??= mkdtempSync(join(tmpdir(), `${this.prefix}-`))
    return this.scratchDir
  }

  /** A new namespace with its loopback up; removed by destroy(). */
  private namespace(name: string): string {
    const ns = `${this.prefix}-${name}`
    run(['ip', 'netns', 'add', ns])
    this.namespaces.push(ns)
    this.in(ns, ['ip', 'link', 'set', 'lo', 'up'])
    return ns
  }

  /** A veth pair from one namespace to another, both ends up. */
  private cable(nsA: string, nameA: string, nsB: string, nameB: string): void {
    run(['ip', 'link', 'add', nameA, 'netns', nsA, 'type', 'veth', 'peer', 'name', nameB, 'netns', nsB])
    this.in(nsA, ['ip', 'link', 'set', nameA, 'up'])
    this.in(nsB, ['ip', 'link', 'set', nameB, 'up'])
  }

  /** Runs a command inside a namespace and returns its output. */
  in(ns: string, args: string[]): string {
    return run(['ip', 'netns', 'exec', ns, ...args]).toString()
  }

  /**
   * Starts a process inside a namespace with `ip netns exec` (its own mount
   * namespace too), killed by destroy() if still running.
   */
  spawn(ns: string, command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    return this.track(spawn('ip', ['netns', 'exec', ns, command, ...args], opts))
  }

  /**
   * Starts a process that shares only the network of a namespace and keeps
   * this process's mounts, so a FUSE mount it makes is visible here.
   */
  spawnNetOnly(ns: string, command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    return this.track(spawn('nsenter', [`--net=/run/netns/${ns}`, command, ...args], opts))
  }

  /** Something destroy() must undo before the namespaces go (a mount, say). */
  onDestroy(cleanup: () => void): void {
    this.cleanups.push(cleanup)
  }

  private track(child: ChildProcess): ChildProcess {
    this.children.add(child)
    child.once('exit', () => this.children.delete(child))
    return child
  }

  /** Kills what still runs, undoes the registered clean-ups and removes every namespace (and with them their links, bridge and iptables rules). */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    process.off('exit', this.onExit)
    for (const child of this.children) child.kill('SIGKILL')
    for (const cleanup of this.cleanups.reverse()) {
      try {
        cleanup()
      } catch {
        // keep removing the rest
      }
    }
    for (const ns of this.namespaces.reverse()) {
      try {
        run(['ip', 'netns', 'del', ns])
      } catch {
        // already gone
      }
    }
    if (this.scratchDir) rmSync(this.scratchDir, { recursive: true, force: true })
  }
}
