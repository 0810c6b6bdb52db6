// Generates the Noise XX known-answer vector used by NoiseKnownAnswerTest from an independent
// implementation: ChainSafe's @chainsafe/libp2p-noise (the js-libp2p Noise), driven with fixed keys.
// Usage: node noise-kat.mjs > ../resources/noise-xx-kat.json
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { pureJsCrypto } from '@chainsafe/libp2p-noise/crypto'

const here = path.dirname(fileURLToPath(import.meta.url))
const noiseDir = path.join(here, 'node_modules/@chainsafe/libp2p-noise/dist/src')
// internals, imported by file path because the package exports only its public API
const { XXHandshakeState, ZEROLEN } = await import(path.join(noiseDir, 'protocol.js'))
const { wrapCrypto } = await import(path.join(noiseDir, 'crypto.js'))
const { createHandshakePayload } = await import(path.join(noiseDir, 'utils.js'))

const seq = (start) => Uint8Array.from({ length: 32 }, (_, i) => (start + i) & 0xff)
const hex = (b) => Buffer.from(b instanceof Uint8Array ? b : b.subarray()).toString('hex')

const keys = {
  initiatorIdentitySeed: seq(0x01),
  responderIdentitySeed: seq(0x21),
  initiatorStatic: seq(0x41),
  initiatorEphemeral: seq(0x61),
  responderStatic: seq(0x81),
  responderEphemeral: seq(0xa1)
}

function side (initiator, staticSeed, ephemeralSeed) {
  const base = wrapCrypto(pureJsCrypto)
  // the only way in: the handshake asks the crypto for its ephemeral key pair
  const crypto = { ...base, generateKeypair: () => pureJsCrypto.generateX25519KeyPairFromSeed(ephemeralSeed) }
  const s = pureJsCrypto.generateX25519KeyPairFromSeed(staticSeed)
  return {
    s,
    xx: new XXHandshakeState({ crypto, protocolName: 'Noise_XX_25519_ChaChaPoly_SHA256', initiator, prologue: ZEROLEN, s })
  }
}

const initiatorId = await generateKeyPairFromSeed('Ed25519', keys.initiatorIdentitySeed)
const responderId = await generateKeyPairFromSeed('Ed25519', keys.responderIdentitySeed)
const I = side(true, keys.initiatorStatic, keys.initiatorEphemeral)
const R = side(false, keys.responderStatic, keys.responderEphemeral)
const payloadI = await createHandshakePayload(initiatorId, I.s.publicKey)
const payloadR = await createHandshakePayload(responderId, R.s.publicKey)

const msg1 = I.xx.writeMessageA(ZEROLEN)
R.xx.readMessageA(msg1)
const msg2 = R.xx.writeMessageB(payloadR)
const gotR = I.xx.readMessageB(msg2)
const msg3 = I.xx.writeMessageC(payloadI)
const gotI = R.xx.readMessageC(msg3)
if (hex(gotR) !== hex(payloadR) || hex(gotI) !== hex(payloadI)) throw new Error('payload round trip failed')

const [i1, i2] = I.xx.ss.split()
const [r1, r2] = R.xx.ss.split()
const fromInitiator = new TextEncoder().encode('hello from the initiator')
const fromResponder = new TextEncoder().encode('hello from the responder')
const t1 = i1.encryptWithAd(ZEROLEN, fromInitiator)
const t2 = r2.encryptWithAd(ZEROLEN, fromResponder)
if (hex(r1.decryptWithAd(ZEROLEN, t1)) !== hex(fromInitiator)) throw new Error('transport decrypt failed')
void i2

const out = {
  generator: '@chainsafe/libp2p-noise ' + (await import(path.join(noiseDir, '../../package.json'), { with: { type: 'json' } })).default.version,
  protocol: 'Noise_XX_25519_ChaChaPoly_SHA256',
  keys: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, hex(v)])),
  initiatorIdentityPublic: hex(initiatorId.publicKey.raw),
  responderIdentityPublic: hex(responderId.publicKey.raw),
  initiatorPeerId: initiatorId.publicKey.toString(),
  responderPeerId: responderId.publicKey.toString(),
  initiatorPayload: hex(payloadI),
  responderPayload: hex(payloadR),
  message1: hex(msg1),
  message2: hex(msg2),
  message3: hex(msg3),
  handshakeHash: hex(I.xx.ss.h),
  transportPlaintextFromInitiator: hex(fromInitiator),
  transportFromInitiator: hex(t1),
  transportPlaintextFromResponder: hex(fromResponder),
  transportFromResponder: hex(t2)
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
