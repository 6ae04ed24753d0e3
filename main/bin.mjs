#!/usr/bin/env node
// Entry of the `peerdrive` command. Checks the runtime before loading the
// TypeScript CLI, so an old Node fails with one clear line instead of a
// syntax error deep in a module.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  process.stderr.write(
    `peerdrive: needs Node 24 or later, this is ${process.version}; ` +
      'run it from the project (npm exec -- peerdrive, npm start) so the pinned runtime is used\n',
  )
  process.exit(1)
}
await import('./cli.ts')
