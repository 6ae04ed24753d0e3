// Builds fuse-native's C glue with PeerDrive's patch (fuse-native-glue.patch:
// utimens with both times in ns, fallocate, the caller's uid/gid/pid) and puts
// it where fuse-native loads it from: node-gyp-build prefers
// node_modules/fuse-native/build/Release/*.node to the package's prebuild.
//
// Idempotent: a build stamped with the hash of the patch and build recipe that
// loads is kept. When it cannot be built (no compiler, no libfuse headers),
// fuse-native's prebuild stays in use and one line says what the drive lacks.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const PATCH = join(here, 'fuse-native-glue.patch')
/** The fuse-native release the patch is written against. */
const FUSE_NATIVE_VERSION = '2.2.6'
const STAMP = 'peerdrive-glue.stamp'

/** Loads fuse-native's addon and checks it is ours (the prebuild has no peerdrive_glue). */
const PROBE = `
const dir = require('node:path').dirname(require.resolve('fuse-native/package.json'))
const b = require(require.resolve('node-gyp-build', { paths: [dir] }))(dir)
if (b.peerdrive_glue !== 1) throw new Error('the prebuild is loaded, not the patched glue')
require('fuse-native')`

/**
 * Where libfuse 2's headers are: the system's (libfuse-dev, via pkg-config),
 * else the copy fuse-shared-library ships with its libfuse.so, which has the
 * soname libfuse.so.2 and so binds to the system's library at run time.
 */
function libfuseBuildFlags(root) {
  const pc = spawnSync('pkg-config', ['--cflags', '--libs', 'fuse'], { encoding: 'utf8' })
  if (pc.status === 0 && existsSync('/usr/include/fuse/fuse.h')) {
    const flags = pc.stdout.trim().split(/\s+/)
    return {
      from: 'libfuse-dev',
      cflags: flags.filter((f) => f.startsWith('-I') || f.startsWith('-D')),
      libraries: flags.filter((f) => f.startsWith('-l') || f === '-pthread'),
    }
  }
  const bundled = join(root, 'node_modules', 'fuse-shared-library-linux', 'libfuse')
  if (existsSync(join(bundled, 'include', 'fuse.h')) && existsSync(join(bundled, 'lib', 'libfuse.so'))) {
    return {
      from: 'fuse-shared-library',
      cflags: [`-I${join(bundled, 'include')}`, '-D_FILE_OFFSET_BITS=64'],
      libraries: [join(bundled, 'lib', 'libfuse.so'), '-pthread'],
    }
  }
  return undefined
}

function bindingGyp(napiMacros, flags) {
  return JSON.stringify(
    {
      targets: [
        {
          target_name: 'fuse',
          include_dirs: [napiMacros],
          sources: ['fuse-native.c'],
          cflags: ['-O2', '-Wall', ...flags.cflags],
          libraries: flags.libraries,
        },
      ],
    },
    null,
    2,
  )
}

/** Applies the patch in `dir` with patch(1), or git apply where patch is not installed. */
function applyPatch(dir) {
  const viaPatch = spawnSync('patch', ['-p1', '--forward', '--no-backup-if-mismatch', '-i', PATCH], {
    cwd: dir,
    encoding: 'utf8',
  })
  if (viaPatch.status === 0) return
  if (!viaPatch.error)
    throw new Error(`the patch does not apply: ${(viaPatch.stdout + viaPatch.stderr).trim()}`)
  // `dir` is outside any git work tree (a temp dir), so git apply patches files there
  execFileSync('git', ['apply', '-p1', PATCH], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Removes a build of ours (never fuse-native's own), so that the prebuild loads instead. */
function dropOurBuild(release) {
  if (!existsSync(join(release, STAMP))) return
  rmSync(join(release, 'fuse.node'), { force: true })
  rmSync(join(release, STAMP), { force: true })
}

/**
 * @param {{ root: string, log: (line: string) => void, tryLoad: (code: string) => string,
 *   pinnedNode: string, env: NodeJS.ProcessEnv, nodeGyp: () => string,
 *   headersFor: (version: string) => string, pinnedVersion: () => string }} ctx
 */
export function ensureFuseGlue(ctx) {
  const { root, log } = ctx
  const lacking = "the drive lacks fallocate, exact utimens and the caller's uid"
  if (process.platform !== 'linux')
    return log(`fuse-native: prebuild in use (the patched glue is built on Linux only); ${lacking}`)
  const requireRoot = createRequire(join(root, 'package.json'))
  const pkgDir = dirname(requireRoot.resolve('fuse-native/package.json'))
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version
  if (version !== FUSE_NATIVE_VERSION) {
    return log(
      `fuse-native ${version} is not ${FUSE_NATIVE_VERSION}, which the glue patch is for: prebuild in use; ${lacking}`,
    )
  }
  const flags = libfuseBuildFlags(root)
  if (!flags) {
    return log(
      `fuse-native: no libfuse headers (apt-get install -y libfuse-dev): prebuild in use; ${lacking}`,
    )
  }
  const napiMacros = dirname(requireRoot.resolve('napi-macros/package.json'))
  const gyp = bindingGyp(napiMacros, flags)
  const hash = createHash('sha256').update(readFileSync(PATCH)).update(gyp).digest('hex')
  const release = join(pkgDir, 'build', 'Release')
  const stamp = join(release, STAMP)
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash && !ctx.tryLoad(PROBE)) {
    return log('fuse-native loads, with the patched glue')
  }

  log(`building fuse-native's patched glue (headers from ${flags.from})`)
  const work = mkdtempSync(join(tmpdir(), 'peerdrive-fuse-glue-'))
  try {
    copyFileSync(join(pkgDir, 'fuse-native.c'), join(work, 'fuse-native.c'))
    applyPatch(work)
    writeFileSync(join(work, 'binding.gyp'), gyp)
    const nodedir = ctx.headersFor(ctx.pinnedVersion())
    const build = spawnSync(ctx.pinnedNode, [ctx.nodeGyp(), 'rebuild', '--release', `--nodedir=${nodedir}`], {
      cwd: work,
      env: { ...ctx.env, npm_config_nodedir: nodedir },
      encoding: 'utf8',
    })
    if (build.status !== 0) {
      const why =
        (build.stderr || build.stdout || '').split('\n').find((l) => /error/i.test(l)) ??
        `exit ${build.status}`
      throw new Error(`node-gyp failed: ${why.trim()}`)
    }
    mkdirSync(release, { recursive: true })
    // a new file renamed into place: processes that have the old one loaded keep their copy
    const staged = join(release, `.fuse.node.${process.pid}`)
    copyFileSync(join(work, 'build', 'Release', 'fuse.node'), staged)
    renameSync(staged, join(release, 'fuse.node'))
  } catch (err) {
    dropOurBuild(release)
    return log(
      `fuse-native: building the patched glue failed (${err.message.split('\n')[0]}): prebuild in use; ${lacking}`,
    )
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  writeFileSync(stamp, `${hash}\n`)
  const err = ctx.tryLoad(PROBE)
  if (err) {
    dropOurBuild(release)
    return log(
      `fuse-native: the patched glue does not load (${err.split('\n').pop()}): prebuild in use; ${lacking}`,
    )
  }
  log('fuse-native built with the patched glue and loads')
}
