// An app's usage price, paid once per period from the user's wallet to its
// developer: against the real grants file and a wallet twin that counts coins
// (the real wallet, on a real network, is in usage-payments-network.test.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GrantStore } from '../../../main/core/apps/grants.ts'
import { parseManifest } from '../../../main/core/apps/index.ts'
import type { UsageWallet } from '../../../main/core/apps/index.ts'
import { UsagePayments } from '../../../main/core/apps/index.ts'
import { tempDir } from '../../helpers.ts'
import { manifest } from './support.ts'

const PERIOD = 1_000_000
const USER = 'ab'.repeat(32)

/** A wallet holding `coins`; every coin sent is noted with its time. */
function walletTwin(coins: number, id: string | null = USER) {
  const sent: { to: string; at: number }[] = []
  const wallet: UsageWallet & { coins: number; sent: typeof sent; id(): string | undefined } = {
    coins,
    sent,
    id: () => id ?? undefined,
    async payOne(to) {
      await new Promise((resolve) => setImmediate(resolve))
      if (wallet.coins === 0) return false
      wallet.coins--
      sent.push({ to, at: Date.now() })
      return true
    },
    sentSince: (to, since) => sent.filter((s) => s.to === to && s.at >= since).length,
  }
  return wallet
}

async function storeWith(
  home: string,
  apps: { name: string; price: number; wallet?: string; grant?: boolean }[],
) {
  const store = new GrantStore(home)
  await store.load()
  const ids: string[] = []
  for (const a of apps) {
    const m = parseManifest({
      ...manifest(a.name),
      usage_price: a.price,
      ...(a.wallet ? { developer_wallet: a.wallet } : {}),
    })
    const { entry } = await store.request(m)
    if (a.grant !== false) await store.grant(entry.id, [])
    ids.push(entry.id)
  }
  return { store, ids }
}

test('a granted app is paid its price once a period, however often or concurrently asked; free, pending and revoked apps are not', async (t) => {
  const home = await tempDir(t)
  const dev = 'cd'.repeat(32)
  const { store, ids } = await storeWith(home, [
    { name: 'Paid', price: 2, wallet: dev },
    { name: 'Free', price: 0 },
    { name: 'Waiting', price: 3, grant: false },
    { name: 'Gone', price: 5 },
  ])
  await store.revoke(ids[3]!)
  const wallet = walletTwin(10)
  const payments = new UsagePayments(store, wallet, PERIOD)
  const now = 7 * PERIOD + 10
  await Promise.all([payments.payDue(now), payments.payDue(now), payments.payDue(now + PERIOD - 20)])
  assert.deepEqual(
    wallet.sent.map((s) => s.to),
    [dev, dev],
  )
  const paid = store.get(ids[0]!)!.payments!
  assert.deepEqual(
    paid.map(({ period, due, paid, state }) => ({ period, due, paid, state })),
    [{ period: 7, due: 2, paid: 2, state: 'paid' }],
  )
  for (const id of ids.slice(1)) assert.equal(store.get(id)!.payments, undefined)

  await payments.payDue(now + PERIOD)
  assert.equal(wallet.sent.length, 4, 'the next period is paid again')
  const reloaded = new GrantStore(home)
  await reloaded.load()
  assert.deepEqual(
    reloaded.get(ids[0]!)!.payments!.map((p) => [p.period, p.paid, p.state]),
    [
      [7, 2, 'paid'],
      [8, 2, 'paid'],
    ],
  )
  await new UsagePayments(reloaded, wallet, PERIOD).payDue(now + PERIOD)
  assert.equal(wallet.sent.length, 4, 'a paid period stays paid across a restart')
})

test('a wallet short of coins owes the rest, and pays only the rest once it has them', async (t) => {
  const home = await tempDir(t)
  const { store, ids } = await storeWith(home, [{ name: 'Pricey', price: 3 }])
  const wallet = walletTwin(1)
  const payments = new UsagePayments(store, wallet, PERIOD)
  await payments.payDue(PERIOD)
  const [owed] = store.get(ids[0]!)!.payments!
  assert.equal(owed!.state, 'owed')
  assert.equal(owed!.paid, 1)
  assert.match(owed!.reason!, /paid 1 of 3/)
  wallet.coins = 10
  await payments.payDue(PERIOD + 5)
  assert.equal(wallet.sent.length, 3)
  assert.equal(store.get(ids[0]!)!.payments![0]!.state, 'paid')
  assert.equal(wallet.coins, 8)
})

test('a payment cut short by a crash is settled from the wallet history, never paid twice', async (t) => {
  const home = await tempDir(t)
  const { store, ids } = await storeWith(home, [{ name: 'Crashy', price: 3 }])
  const wallet = walletTwin(10)
  const started = Date.now()
  // as apps.json was left: paying, nothing counted, while the wallet had sent two coins
  store.get(ids[0]!)!.payments = [{ period: 4, due: 3, paid: 0, state: 'paying', started_at: started }]
  wallet.sent.push(
    { to: store.get(ids[0]!)!.manifest.developer_wallet, at: started },
    { to: 'ef'.repeat(32), at: started },
  )
  wallet.sent.push({ to: store.get(ids[0]!)!.manifest.developer_wallet, at: started + 1 })
  await new UsagePayments(store, wallet, PERIOD).payDue(4 * PERIOD)
  assert.equal(wallet.coins, 9, 'one coin more, not three')
  assert.deepEqual(
    store.get(ids[0]!)!.payments!.map((p) => [p.paid, p.state]),
    [[3, 'paid']],
  )
})

test('nothing is paid while no account is open, nor to a developer whose wallet is the user’s own', async (t) => {
  const home = await tempDir(t)
  const { store, ids } = await storeWith(home, [{ name: 'Mine', price: 2, wallet: USER }])
  const closed = walletTwin(5, null)
  await new UsagePayments(store, closed, PERIOD).payDue(PERIOD)
  assert.equal(store.get(ids[0]!)!.payments, undefined)
  const open = walletTwin(5)
  await new UsagePayments(store, open, PERIOD).payDue(PERIOD)
  assert.equal(open.sent.length, 0)
  assert.equal(store.get(ids[0]!)!.payments![0]!.reason, 'the developer is this wallet')
})
