// Drive nodes with accounts on a real loopback network, for account tests.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { KdfParams } from '../../../main/core/account/index.ts'
import { DriveNode } from '../../../main/core/node/index.ts'
import type { DriveNodeOptions, PeerDriveNode } from '../../../main/core/node/index.ts'
import type { Drive } from '../../../main/core/drive/index.ts'
import { detachMount } from '../../../native/mount-point.ts'
import { tempDir } from '../../helpers.ts'

/** Cheap argon2id for tests of everything but the cost itself (ACCOUNT_KDF is checked apart). */
export const TEST_KDF: KdfParams = { memoryKiB: 1024, passes: 1, parallelism: 1 }

export async function startDriveNode(
  t: TestContext,
  bootstrap: string[],
  opts: Partial<DriveNodeOptions> = {},
): Promise<DriveNode> {
  const dir = opts.home ?? (await tempDir(t))
  const node = await DriveNode.start({
    vaultDir: join(dir, 'vault'),
    home: dir,
    capacity: 64 * 2 ** 20,
    bootstrap,
    accounts: { kdf: TEST_KDF, lookupFloorMs: 20 },
    ...opts,
  })
  t.after(() => node.stop().catch(() => {}))
  return node
}

export async function writeDriveFile(drive: Drive, path: string, bytes: Uint8Array): Promise<void> {
  const fh = await drive.create(path, 0o644)
  await drive.write(fh, 0, bytes)
  await drive.release(fh)
}

export async function readDriveFile(drive: Drive, path: string): Promise<Buffer> {
  const size = (await drive.getattr(path)).size
  const fh = await drive.open(path, { write: false })
  const out = Buffer.from(await drive.read(fh, 0, size))
  await drive.release(fh)
  return out
}

/**
 * Every address of these vaults, as a bootstrap list. A node that starts
 * from one vault learns the others from that vault's peer list once; on a
 * busy machine that one exchange can fail and leave it knowing only the one
 * vault, which is not what the account tests are about.
 */
export function everyAddress(vaults: PeerDriveNode[]): string[] {
  return vaults.flatMap((v) => v.multiaddrs())
}

/**
 * A drive node whose drive mounts with FUSE when an account opens. Its home
 * is not tempDir(t): the mount must be gone before the directory is removed.
 */
export async function startMountedDriveNode(
  t: TestContext,
  bootstrap: string[],
): Promise<{ node: DriveNode; mnt: string }> {
  const home = await mkdtemp(join(tmpdir(), 'peerdrive-mounted-'))
  const mnt = join(home, 'mnt')
  await mkdir(mnt)
  const started: { node?: DriveNode } = {}
  t.after(async () => {
    await started.node?.stop().catch(() => {})
    await detachMount(mnt).catch(() => {})
    await rm(home, { recursive: true, force: true, maxRetries: 5 })
  })
  started.node = await startDriveNode(t, bootstrap, { home, mount: mnt })
  return { node: started.node, mnt }
}
