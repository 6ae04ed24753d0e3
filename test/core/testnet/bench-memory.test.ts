import assert from 'node:assert/strict'
import { test } from 'node:test'
import { benchMemory } from '../../../main/core/testnet/bench-memory.ts'

test('bench memory measures a real vault process beside its baselines', { timeout: 300_000 }, async () => {
  const f = await benchMemory({ idleSeconds: 1, vaultsInProcess: 2 })
  // each figure comes from a live process's /proc status, so each is a real size
  assert.ok(f.bare_node_mib > 10, `bare node ${f.bare_node_mib} MiB`)
  assert.ok(f.libp2p_host_mib > f.bare_node_mib, 'a libp2p host holds more than a bare node')
  assert.ok(f.vault_mib > f.bare_node_mib, 'a vault holds more than a bare node')
  assert.equal(f.vault_mib > 0 && Math.abs(f.vault_anon_mib + f.vault_file_mib - f.vault_mib) < 2, true)
  assert.ok(Number.isFinite(f.extra_vault_mib))
  assert.equal(f.vaults_in_process, 2)
})
