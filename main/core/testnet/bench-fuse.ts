// `peerdrive bench fuse`: the mounted drive against the plain disk and an
// rclone crypt mount, in the same run and on the same file system. The drive
// is a real Drive on a loopback network: vault processes from a testnet, and
// an in-process node with its own vault, mounted the way `peerdrive up`
// mounts it. Every workload runs in a child process (dd, or a small node
// script), never in this process: its event loop serves the mount.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Drive } from '../drive/index.ts'
import { UsageError } from '../errors.ts'
import { RecordRootStore } from '../drive/record-root-store.ts'
import { mountDrive } from '../fuse/index.ts'
import type { MountedDrive } from '../fuse/index.ts'
import { PeerDriveNode } from '../node/index.ts'
import { OwnerKey } from '../records/index.ts'
import { benchColdOpen } from './bench-cold-open.ts'
import type { ColdOpenResult } from './bench-cold-open.ts'
import { benchPropagation } from './bench-propagation.ts'
import type { PropagationResult } from './bench-propagation.ts'
import { median } from './stats.ts'
import { Testnet } from './testnet.ts'

export interface FuseBenchOptions {
  /** Size of the sequential write and cold read, MiB (default 1024). */
  sizeMiB?: number
  /** Vault processes beside the drive's own node (default 5: four copies elsewhere, and a spare when one fails a put). */
  vaults?: number
  /** Random data synced to four copies, MiB (default 256). */
  syncMiB?: number
  /** The file the random writes go into, MiB (default 64). */
  randomFileMiB?: number
  /** Drop the kernel's caches before each cold read (default true; tests leave the machine's caches alone). */
  dropCaches?: boolean
  log?: (line: string) => void
}

export interface FuseBenchResult extends ColdOpenResult, PropagationResult {
  size_mib: number
  write_mbps: number
  plain_write_mbps: number
  rclone_write_mbps?: number
  cold_read_mbps: number
  plain_cold_read_mbps: number
  rclone_cold_read_mbps?: number
  /** Drive / plain disk; goal ≥ 0.5. */
  cold_read_ratio: number
  /** Drive / rclone crypt mount; goal > 1. */
  vs_rclone_cold_read?: number
  randwrite_ops: number
  randwrite_uploading_ops: number
  plain_randwrite_ops: number
  rclone_randwrite_ops?: number
  /** Drive after sync / plain disk; goal ≥ 0.3. */
  randwrite_ratio: number
  /** Drive while the file uploads / plain disk; goal ≥ 0.1. */
  randwrite_uploading_ratio: number
  /** Random data (256 MiB) from the first byte written until the drive's status says synced; goal ≥ 50. */
  sync_mbps: number
}

const MiB = 2 ** 20
const RANDWRITE_OPS = 400
const RANDWRITE_ROUNDS = 3

/** A place files go: the plain disk, the rclone mount or the drive's mount. */
interface Target {
  name: string
  dir: string
  /** Resolves once what was written is where the target keeps it for good. */
  settle(): Promise<void>
}

export async function benchFuse(opts: FuseBenchOptions = {}): Promise<FuseBenchResult> {
  const log = opts.log ?? (() => {})
  const sizeMiB = opts.sizeMiB ?? 1024
  const syncMiB = opts.syncMiB ?? 256
  const randomFileMiB = opts.randomFileMiB ?? 64
  // the random-write files are cut from slices of the sequential file's bytes
  if (randomFileMiB * 2 * RANDWRITE_ROUNDS > sizeMiB)
    throw new UsageError(
      `--size must be at least ${randomFileMiB * 2 * RANDWRITE_ROUNDS} MiB (the random-write files)`,
    )
  const work = await mkdtemp(join(tmpdir(), 'peerdrive-bench-fuse-'))
  const cleanups: (() => Promise<unknown>)[] = []
  try {
    const plainDir = join(work, 'plain')
    await mkdir(plainDir)
    const source = join(work, 'source.bin')
    log(`writing ${sizeMiB} MiB of random bytes to read from`)
    await writeRandomFile(source, sizeMiB * MiB)

    // every vault may be asked for a copy of every chunk: room for all of it, and a margin
    const donate = `${Math.ceil((sizeMiB + syncMiB + 2 * RANDWRITE_ROUNDS * randomFileMiB) / 1024) + 1}GiB`
    const vaults = opts.vaults ?? 5
    log(`starting ${vaults} vault processes`)
    // the drive here has no account paying: the vaults store without tickets (FUSE is measured, not payment)
    const net = await Testnet.start({ nodes: vaults, dir: join(work, 'net'), donate, freeStorage: true })
    cleanups.push(() => net.stop())
    const node = await PeerDriveNode.start({
      vaultDir: join(work, 'node-vault'),
      capacity: (sizeMiB + syncMiB) * 4 * MiB,
      bootstrap: net.bootstrap,
    })
    cleanups.push(() => node.stop())
    // the node keeps links to its 2R closest vaults: all of them in a network of 2R + 1 or fewer
    const neighbours = Math.min(vaults, 8)
    if ((await node.waitForPeers(neighbours, 60_000)) < neighbours)
      throw new Error(`bench fuse: the node met ${node.peers.size} of ${neighbours} neighbours in 60 s`)
    const driveKey = randomBytes(32)
    const driveOwner = OwnerKey.generate()
    const drive = await Drive.open({
      dir: join(work, 'drive'),
      key: driveKey,
      chunks: node.network,
      root: new RecordRootStore(node.records, driveOwner),
      journalLimitBytes: (sizeMiB + syncMiB + 4 * randomFileMiB) * MiB,
      log: (line) => log(`drive: ${line}`),
    })
    cleanups.push(() => drive.close())
    // as DriveNode mounts it (main/core/node/drive-node.ts)
    const mounted: MountedDrive = await mountDrive(drive, join(work, 'mnt'), {
      log: (line) => log(`drive: ${line}`),
    })
    cleanups.push(() => mounted.unmount())
    const driveTarget: Target = {
      name: 'drive',
      dir: mounted.mountPoint,
      settle: () => waitSynced(drive, 30 * 60_000),
    }
    const plain: Target = {
      name: 'plain disk',
      dir: plainDir,
      settle: async () => void (await run('sync', [])),
    }
    const rclone = await startRclone(work, log)
    if (rclone) cleanups.push(() => rclone.stop())
    const targets = [plain, ...(rclone ? [rclone.target] : []), driveTarget]

    const drop = opts.dropCaches === false ? async () => false : dropCaches
    if (!(await drop()))
      log('the kernel caches are not dropped (not root, or asked not to): cold reads are not cold')

    // Sequential write, then the written files read back cold.
    await dd(source, '/dev/null') // the source is read from memory by every write below
    const writeMbps = new Map<string, number>()
    for (const t of targets) {
      log(`${t.name}: sequential write of ${sizeMiB} MiB`)
      writeMbps.set(t.name, await dd(source, join(t.dir, 'seq.bin'), ['conv=fsync']))
    }
    const readMbps = new Map<string, number>()
    for (const t of targets) {
      await t.settle()
      await drop()
      log(`${t.name}: cold sequential read`)
      readMbps.set(t.name, await dd(join(t.dir, 'seq.bin'), '/dev/null'))
      await rm(join(t.dir, 'seq.bin'))
    }

    // Random writes into a file that is settled, and into one still uploading;
    // each the median of RANDWRITE_ROUNDS, every round on a file of its own.
    const randOps = new Map<string, number>()
    for (const t of targets) {
      log(`${t.name}: ${RANDWRITE_OPS} random writes, ${RANDWRITE_ROUNDS} rounds`)
      const rounds: number[] = []
      for (let round = 0; round < RANDWRITE_ROUNDS; round++) {
        const file = join(t.dir, `rand-synced-${round}.bin`)
        await dd(source, file, [`count=${randomFileMiB}`, `skip=${round * randomFileMiB}`])
        await t.settle()
        rounds.push(await randomWrites(file))
      }
      randOps.set(t.name, median(rounds))
    }
    log(`drive: ${RANDWRITE_OPS} random writes while uploading, ${RANDWRITE_ROUNDS} rounds`)
    const uploadingRounds: number[] = []
    for (let round = 0; round < RANDWRITE_ROUNDS; round++) {
      await driveTarget.settle()
      const file = join(driveTarget.dir, `rand-uploading-${round}.bin`)
      const skip = (RANDWRITE_ROUNDS + round) * randomFileMiB
      await dd(source, file, [`count=${randomFileMiB}`, `skip=${skip}`])
      if (drive.status().files_pending === 0)
        log('drive: the upload had already ended before the random writes')
      uploadingRounds.push(await randomWrites(file))
    }
    const randUploading = median(uploadingRounds)

    // Sync throughput: fresh random bytes (nothing the network holds already).
    await driveTarget.settle()
    const syncSource = join(work, 'sync-source.bin')
    await writeRandomFile(syncSource, syncMiB * MiB)
    log(`drive: ${syncMiB} MiB of random data until synced`)
    const t0 = performance.now()
    await dd(syncSource, join(driveTarget.dir, 'sync.bin'))
    await driveTarget.settle()
    const syncMbps = syncMiB / ((performance.now() - t0) / 1000)
    const coldOpen = await benchColdOpen({
      drive,
      mountDir: driveTarget.dir,
      plainDir,
      source,
      settle: driveTarget.settle,
      drop,
      log,
    })

    const propagation = await benchPropagation({
      mountDir: driveTarget.dir,
      openOther: () =>
        Drive.open({
          dir: join(work, 'drive-second-device'),
          key: driveKey,
          chunks: node.network,
          root: new RecordRootStore(node.records, driveOwner),
          device: 'second device',
          log: (line) => log(`second device: ${line}`),
        }),
      log,
    })

    const r = (x: number) => Number(x.toFixed(2))
    const plainRead = readMbps.get(plain.name)!
    const driveRead = readMbps.get(driveTarget.name)!
    const plainRand = randOps.get(plain.name)!
    const result: FuseBenchResult = {
      size_mib: sizeMiB,
      write_mbps: r(writeMbps.get(driveTarget.name)!),
      plain_write_mbps: r(writeMbps.get(plain.name)!),
      cold_read_mbps: r(driveRead),
      plain_cold_read_mbps: r(plainRead),
      cold_read_ratio: r(driveRead / plainRead),
      randwrite_ops: Math.round(randOps.get(driveTarget.name)!),
      randwrite_uploading_ops: Math.round(randUploading),
      plain_randwrite_ops: Math.round(plainRand),
      randwrite_ratio: r(randOps.get(driveTarget.name)! / plainRand),
      randwrite_uploading_ratio: r(randUploading / plainRand),
      sync_mbps: r(syncMbps),
      ...coldOpen,
      ...propagation,
    }
    if (rclone) {
      const name = rclone.target.name
      result.rclone_write_mbps = r(writeMbps.get(name)!)
      result.rclone_cold_read_mbps = r(readMbps.get(name)!)
      result.vs_rclone_cold_read = r(driveRead / readMbps.get(name)!)
      result.rclone_randwrite_ops = Math.round(randOps.get(name)!)
    }
    return result
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
    await rm(work, { recursive: true, force: true })
  }
}

/** Waits for "synced"; a drive stuck degraded or failing for two minutes ends the bench with why. */
async function waitSynced(drive: Drive, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let stuckSince: number | undefined
  for (;;) {
    const status = drive.status()
    if (status.state === 'synced') return
    if (Date.now() > deadline) throw new Error(`bench fuse: the drive did not sync in ${timeoutMs / 1000} s`)
    // a degraded file may show as syncing while it is tried again: count it as stuck all the same
    if (status.files_degraded > 0 || status.state === 'error') {
      stuckSince ??= Date.now()
      if (Date.now() - stuckSince > 120_000) {
        const why = [
          ...status.degraded.map((d) => `${d.name}: ${d.copies} of ${d.of} copies on other vaults`),
          ...status.errors.map((e) => `${e.name}: ${e.error}`),
        ]
        throw new Error(`bench fuse: the drive stayed below four copies for 2 minutes (${why.join('; ')})`)
      }
    } else {
      stuckSince = undefined
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const fh = await open(path, 'w')
  try {
    for (let at = 0; at < bytes; at += 4 * MiB) await fh.write(randomBytes(Math.min(4 * MiB, bytes - at)))
  } finally {
    await fh.close()
  }
}

/** Drops the kernel's page, dentry and inode caches; false when not allowed. */
async function dropCaches(): Promise<boolean> {
  await run('sync', [])
  try {
    await writeFile('/proc/sys/vm/drop_caches', '3\n')
    return true
  } catch {
    return false
  }
}

/** dd bs=1M from `input` to `output`; MiB/s as dd measured it. */
async function dd(input: string, output: string, extra: string[] = []): Promise<number> {
  const { stderr } = await run('dd', [`if=${input}`, `of=${output}`, 'bs=1M', ...extra])
  const m = /^(\d+) bytes .* copied, ([\d.e+-]+) s/m.exec(stderr)
  if (!m) throw new Error(`bench fuse: cannot read dd's figures: ${stderr.trim()}`)
  return Number(m[1]) / MiB / Number(m[2])
}

/**
 * The random-write workload in a child: RANDWRITE_OPS pwrites of 1–64 KiB at
 * random offsets inside the file (same seed, same offsets everywhere);
 * returns writes per second, open and close not counted. The same writes go
 * to a scratch file first, untimed, so the figure is not the child's warm-up.
 */
const RANDWRITE_SCRIPT = `
const fs = require('node:fs')
const [path, ops, scratch] = process.argv.slice(1)
const size = fs.statSync(path).size
let s = 0x9e3779b9
const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s }
const buf = require('node:crypto').randomBytes(64 * 1024)
const plan = []
for (let i = 0; i < Number(ops); i++) {
  const len = 1024 + (next() % (63 * 1024 + 1))
  plan.push([len, next() % (size - len)])
}
const warm = fs.openSync(scratch, 'w')
for (const [len, at] of plan) fs.writeSync(warm, buf, 0, len, at % (1 << 20))
fs.closeSync(warm)
fs.rmSync(scratch)
const fd = fs.openSync(path, 'r+')
const t0 = process.hrtime.bigint()
for (const [len, at] of plan) fs.writeSync(fd, buf, 0, len, at)
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
fs.closeSync(fd)
process.stdout.write(String(plan.length / seconds))
`

async function randomWrites(path: string): Promise<number> {
  const scratch = join(tmpdir(), `peerdrive-bench-fuse-warmup-${process.pid}`)
  const { stdout } = await run(process.execPath, [
    '-e',
    RANDWRITE_SCRIPT,
    path,
    String(RANDWRITE_OPS),
    scratch,
  ])
  return Number(stdout)
}

interface Rclone {
  target: Target
  stop(): Promise<void>
}

/** An rclone crypt remote over a local directory, mounted with --vfs-cache-mode writes; undefined without rclone. */
async function startRclone(work: string, log: (line: string) => void): Promise<Rclone | undefined> {
  const version = await run('rclone', ['version']).catch(() => undefined)
  if (!version) {
    log('rclone is not installed: the rclone crypt baseline is skipped')
    return undefined
  }
  const store = join(work, 'rclone-store')
  const mnt = join(work, 'rclone-mnt')
  await mkdir(store)
  await mkdir(mnt)
  const password = (await run('rclone', ['obscure', randomBytes(16).toString('hex')])).stdout.trim()
  const config = join(work, 'rclone.conf')
  await writeFile(config, `[bench]\ntype = crypt\nremote = ${store}\npassword = ${password}\n`, {
    mode: 0o600,
  })
  const child = spawn(
    'rclone',
    [
      'mount',
      'bench:',
      mnt,
      '--config',
      config,
      '--cache-dir',
      join(work, 'rclone-cache'),
      '--vfs-cache-mode',
      'writes',
    ],
    { stdio: 'ignore' },
  )
  const exited = new Promise((r) => child.once('exit', r))
  const stop = async (): Promise<void> => {
    await run('fusermount', ['-uz', mnt]).catch(() => {})
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 30_000
  while (!(await isMountPoint(mnt))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      log('rclone mount did not start: the rclone crypt baseline is skipped')
      return undefined
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const target: Target = {
    name: 'rclone crypt',
    dir: mnt,
    // written files reach the crypt store after the VFS write-back delay
    settle: async () => {
      const deadline = Date.now() + 10 * 60_000
      while ((await rcloneDirtyFiles(join(work, 'rclone-cache'))) > 0) {
        if (Date.now() > deadline) throw new Error('bench fuse: rclone did not write back in 10 min')
        await new Promise((r) => setTimeout(r, 100))
      }
      await run('sync', [])
    },
  }
  return { target, stop }
}

/** Files rclone's VFS still holds dirty in its cache (not yet written back). */
async function rcloneDirtyFiles(cacheDir: string): Promise<number> {
  const metaDir = join(cacheDir, 'vfsMeta')
  if (!existsSync(metaDir)) return 0
  let dirty = 0
  for (const e of await readdir(metaDir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue
    const meta = await readFile(join(e.parentPath, e.name), 'utf8').catch(() => '')
    if (/"Dirty":\s*true/.test(meta)) dirty++
  }
  return dirty
}

async function isMountPoint(path: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(path), stat(join(path, '..'))])
  return self.dev !== parent.dev
}

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.once('error', reject)
    // 'close', not 'exit': a child can exit before its stderr has been read to the end
    child.once('close', (code) =>
      code === 0
        ? resolve({ stdout, stderr })
        : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`)),
    )
  })
}
