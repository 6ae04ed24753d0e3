// Offers sent to an account: only that account opens one, and only with the
// sender it names; the inbox keeps a bounded number of them.
import assert from 'node:assert/strict'
import { hkdfSync, randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { join } from 'node:path'
import { test } from 'node:test'
import { OwnerKey } from '../../../main/core/records/index.ts'
import { OfferBox, openOffer, sealOffer } from '../../../main/core/share/index.ts'
import { MAX_PER_ACCOUNT, KEEP_MS } from '../../../main/core/share/offer-box.ts'
import { inboxProtocol } from '../../../main/core/share/inbox.ts'
import { tempDir } from '../../helpers.ts'

const account = () => {
  const seed = randomBytes(32)
  return { seed, id: Buffer.from(OwnerKey.fromSeed(seed).publicKey).toString('hex') }
}
const offer = { link: `pds1:${'A'.repeat(86)}`, name: 'Trip' }

test('an offer opens only for the account it was sealed to, naming the account that sent it', () => {
  const [alice, bob, eve] = [account(), account(), account()]
  const sealed = sealOffer(alice.seed, bob.id, offer, 1_700_000_000_000)
  assert.deepEqual(openOffer(bob.seed, sealed), { ...offer, from: alice.id, at: 1_700_000_000_000 })
  assert.equal(openOffer(eve.seed, sealed), undefined, 'another account opens nothing')
  assert.equal(openOffer(alice.seed, sealed), undefined, 'nor does the sender')
  // two offers of the same share look unrelated
  assert.notDeepEqual(sealOffer(alice.seed, bob.id, offer).subarray(0, 32), sealed.subarray(0, 32))
  for (const at of [0, 40, sealed.length - 1]) {
    const tampered = Uint8Array.from(sealed)
    tampered[at]! ^= 1
    assert.equal(openOffer(bob.seed, tampered), undefined, `a flipped byte at ${at} opens nothing`)
  }
  assert.equal(openOffer(bob.seed, sealed.subarray(0, 50)), undefined)
  assert.equal(openOffer(bob.seed, new Uint8Array(5000)), undefined)
  assert.throws(() => sealOffer(alice.seed, 'not an account', offer), /64 hex characters/)
})

test('an offer whose signature is not the named sender’s is refused', () => {
  const [alice, bob, eve] = [account(), account(), account()]
  // eve seals to bob a body that names alice as its sender: she can seal to anyone, but signs only as eve
  const genuine = JSON.parse(Buffer.from(openRaw(bob.seed, sealOffer(eve.seed, bob.id, offer))).toString())
  assert.equal(openOffer(bob.seed, sealRaw(bob.id, genuine))?.from, eve.id, 'the body as eve made it opens')
  assert.equal(openOffer(bob.seed, sealRaw(bob.id, { ...genuine, from: alice.id })), undefined)
  assert.equal(openOffer(bob.seed, sealRaw(bob.id, { ...genuine, name: 'Other' })), undefined)
  assert.equal(openOffer(bob.seed, sealRaw(bob.id, { ...genuine, to: eve.id })), undefined)
})

test('a folder shared for writing carries its keys under the signature: changed keys, or none, open nothing', () => {
  const [alice, bob] = [account(), account()]
  const folder = { id: 'ab'.repeat(8), owner_seed: 'cd'.repeat(32), key: 'ef'.repeat(32) }
  const sealed = sealOffer(alice.seed, bob.id, { link: '', name: 'Project', folder })
  assert.deepEqual(openOffer(bob.seed, sealed)?.folder, folder)
  const genuine = JSON.parse(Buffer.from(openRaw(bob.seed, sealed)).toString())
  const withKey = { ...genuine, folder: { ...folder, key: '00'.repeat(32) } }
  assert.equal(openOffer(bob.seed, sealRaw(bob.id, withKey)), undefined, 'other keys under the signature')
  assert.equal(
    openOffer(bob.seed, sealRaw(bob.id, { ...genuine, folder: undefined })),
    undefined,
    'keys taken out',
  )
  const badId = { ...genuine, folder: { ...folder, id: 'not hex at all!!' } }
  assert.equal(openOffer(bob.seed, sealRaw(bob.id, badId)), undefined, 'a malformed folder id')
  // a read-only offer cannot be turned into one for writing
  const plain = JSON.parse(Buffer.from(openRaw(bob.seed, sealOffer(alice.seed, bob.id, offer))).toString())
  assert.equal(openOffer(bob.seed, sealRaw(bob.id, { ...plain, folder })), undefined)
})

/** The offer format by hand (offer.ts's header comment), to seal bodies sealOffer would not make. */
function sealRaw(to: string, body: unknown): Uint8Array {
  const recipient = ed25519.utils.toMontgomery(Buffer.from(to, 'hex'))
  const eph = x25519.utils.randomSecretKey()
  const ephPub = x25519.getPublicKey(eph)
  const key = rawKey(x25519.getSharedSecret(eph, recipient), ephPub, recipient)
  const nonce = randomBytes(24)
  return Buffer.concat([
    ephPub,
    nonce,
    xchacha20poly1305(key, nonce).encrypt(Buffer.from(JSON.stringify(body))),
  ])
}

function openRaw(seed: Uint8Array, sealed: Uint8Array): Uint8Array {
  const secret = ed25519.utils.toMontgomerySecret(seed)
  const ephPub = sealed.subarray(0, 32)
  const key = rawKey(x25519.getSharedSecret(secret, ephPub), ephPub, x25519.getPublicKey(secret))
  return xchacha20poly1305(key, sealed.subarray(32, 56)).decrypt(sealed.subarray(56))
}

function rawKey(shared: Uint8Array, ephPub: Uint8Array, recipient: Uint8Array): Uint8Array {
  const salt = Buffer.concat([ephPub, recipient])
  return new Uint8Array(hkdfSync('sha256', shared, salt, Buffer.from('peerdrive/share-offer/v1'), 32))
}

test('an inbox keeps the newest offers per account and none past their time', async (t) => {
  const box = new OfferBox(join(await tempDir(t), 'share-inbox.db'))
  t.after(() => box.close())
  const [bob, carol] = [account(), account()]
  const now = Date.now()
  for (let i = 0; i < MAX_PER_ACCOUNT + 6; i++) box.keep(bob.id, Buffer.from(`offer ${i}`), now + i)
  // the same offer twice is kept once
  box.keep(bob.id, Buffer.from(`offer ${MAX_PER_ACCOUNT + 5}`), now + 1000)
  const kept = box.offers(bob.id).map((o) => Buffer.from(o).toString())
  assert.equal(kept.length, MAX_PER_ACCOUNT)
  assert.equal(kept[0], `offer ${MAX_PER_ACCOUNT + 5}`, 'newest first')
  assert.ok(!kept.includes('offer 0'), 'the oldest went')
  box.keep(carol.id, Buffer.from('old'), now - KEEP_MS - 1)
  box.keep(carol.id, Buffer.from('new'), now)
  assert.deepEqual(
    box.offers(carol.id).map((o) => Buffer.from(o).toString()),
    ['new'],
  )
  assert.ok(box.bytesOnDisk() > 0)
})

test('the inbox protocol refuses malformed and oversized requests', () => {
  const bad = [
    '',
    'null',
    '[]',
    '{"t":"keep","to":"zz","offer":"AA=="}',
    `{"t":"keep","to":"${'a'.repeat(64)}","offer":"not base64!"}`,
    `{"t":"keep","to":"${'a'.repeat(64)}","offer":""}`,
    `{"t":"keep","to":"${'a'.repeat(64)}","offer":"${Buffer.alloc(4096).toString('base64')}"}`,
    `{"t":"drop","to":"${'a'.repeat(64)}"}`,
  ]
  for (const body of bad) assert.throws(() => inboxProtocol.decodeRequest(Buffer.from(body)), body)
  const ok = inboxProtocol.decodeRequest(
    inboxProtocol.encodeRequest({ t: 'keep', to: 'b'.repeat(64), offer: Buffer.from('x') }),
  )
  assert.deepEqual(ok, { t: 'keep', to: 'b'.repeat(64), offer: Uint8Array.from(Buffer.from('x')) })
})
