// The Network card's words for each reachability, and nothing from a node that does not report it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { reachabilityView } from '../../renderer/src/lib/reachability.ts'

const network = { size: 6, repairs: 0, last_repair_at: null }

test('a private node is shown as a client only behind a router; a public one as a vault and relay', () => {
  const priv = reachabilityView({ ...network, reachability: 'private', client_only: true })
  assert.equal(priv?.label, 'Behind a router: client only')
  assert.equal(priv?.tone, 'warn')
  assert.match(priv?.detail ?? '', /stores nothing for others/)
  assert.match(reachabilityView({ ...network, reachability: 'public' })?.detail ?? '', /relays/)
  assert.equal(reachabilityView({ ...network, reachability: 'local' })?.tone, 'ok')
  assert.equal(reachabilityView({ ...network, reachability: 'unknown' })?.tone, 'muted')
  assert.equal(reachabilityView(network), null)
})
