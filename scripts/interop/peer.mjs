// js-libp2p 3 + @libp2p/gossipsub 17 peer for libp2pc's interop tests, with the
// Ethereum consensus gossip settings libp2pc uses: StrictNoSign (no signature,
// no author, no seqno), snappy block-compressed payloads, and the Altair
// message-id SHA256(MESSAGE_DOMAIN_VALID_SNAPPY + uint64_le(len(topic)) +
// topic + snappy_decompress(data))[:20] (INVALID_SNAPPY domain + raw data
// when data does not decompress).
//
// Adapted from ../shared/interop/js-libp2p/peer.mjs. Runs with Node 22 from
// the js-libp2p install dir (scripts/install-interop.sh copies it there).
//
// usage: node peer.mjs TOPIC SECONDS
// environment:
//   PORT      TCP port to listen on, 127.0.0.1 (0 = any free port; default 0)
//   DIAL      multiaddr to dial once started (optional)
//   PUBLISH   messages to publish, one a second (default: until SECONDS end)
//   PREFIX    text of published messages: PREFIX-N (default js-msg)
//   MSGID     "altair" (default), "phase0" or "default" (gossipsub's own)
//
// Output, one line per item, fields separated by one space:
//   PEERID <peer id>
//   LISTEN <multiaddr>/p2p/<peer id> ...
//   PEER_CONNECT <peer id> | PEER_DISCONNECT <peer id>
//   SUBSCRIBED <peer id> <topic>                 (a remote peer joined TOPIC)
//   SENT <msgid hex> <topic> <text>              (published, id as computed here)
//   RECV <msgid hex> <from peer id> <topic> <text>   (text: decompressed payload)
//   RECV_BAD <from> <topic> <reason>             (payload not valid snappy)
//   PUBLISH_ERR <reason>
//   SUMMARY sent <n> received <n>
import { createHash } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'

const topic = process.argv[2] || '/eth2/00000000/libp2pc_interop/ssz_snappy'
const secs = Number(process.argv[3] || 60)
const port = Number(process.env.PORT || 0)
const publishMax = process.env.PUBLISH === undefined ? Infinity : Number(process.env.PUBLISH)
const prefix = process.env.PREFIX || 'js-msg'
const idMode = process.env.MSGID || 'altair'

// ---- snappy block format (https://github.com/google/snappy/blob/main/format_description.txt)

function putUvarint (out, n) {
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
}

// Compresses as literals only: a valid snappy block every decoder accepts.
export function snappyEncode (src) {
  const head = []
  putUvarint(head, src.length)
  const parts = [Uint8Array.from(head)]
  const MAX = 1 << 16
  for (let i = 0; i < src.length; i += MAX) {
    const chunk = src.subarray(i, Math.min(i + MAX, src.length))
    const n = chunk.length - 1
    let tag
    if (n < 60) tag = [n << 2]
    else if (n < 256) tag = [60 << 2, n]
    else tag = [61 << 2, n & 0xff, n >> 8]
    parts.push(Uint8Array.from(tag), chunk)
  }
  return Buffer.concat(parts)
}

const MAX_DECODED = 10 * 1024 * 1024 // MAX_PAYLOAD_SIZE

export function snappyDecode (src) {
  let pos = 0; let len = 0; let shift = 0
  for (;;) {
    if (pos >= src.length || shift > 28) throw new Error('bad length varint')
    const b = src[pos++]
    len += (b & 0x7f) * 2 ** shift
    if (b < 0x80) break
    shift += 7
  }
  if (len > MAX_DECODED) throw new Error('decoded length too large')
  const out = new Uint8Array(len)
  let d = 0
  const need = (n) => { if (pos + n > src.length) throw new Error('truncated') }
  while (pos < src.length) {
    const tag = src[pos++]
    let n; let off
    switch (tag & 3) {
      case 0: { // literal
        n = tag >> 2
        if (n >= 60) {
          const k = n - 59; need(k); n = 0
          for (let i = 0; i < k; i++) n += src[pos++] * 2 ** (8 * i)
        }
        n += 1
        need(n)
        if (d + n > len) throw new Error('literal overflows output')
        out.set(src.subarray(pos, pos + n), d); pos += n; d += n
        continue
      }
      case 1: need(1); n = 4 + ((tag >> 2) & 7); off = ((tag >> 5) << 8) | src[pos++]; break
      case 2: need(2); n = 1 + (tag >> 2); off = src[pos] | (src[pos + 1] << 8); pos += 2; break
      case 3: need(4); n = 1 + (tag >> 2); off = (src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16)) + src[pos + 3] * 2 ** 24; pos += 4; break
    }
    if (off === 0 || off > d || d + n > len) throw new Error('bad copy')
    for (let i = 0; i < n; i++, d++) out[d] = out[d - off] // may overlap
  }
  if (d !== len) throw new Error('short output')
  return out
}

// ---- consensus message-id

const VALID = Buffer.from([1, 0, 0, 0]) // MESSAGE_DOMAIN_VALID_SNAPPY
const INVALID = Buffer.from([0, 0, 0, 0]) // MESSAGE_DOMAIN_INVALID_SNAPPY

export function messageId (topicStr, data) {
  let domain = VALID; let body
  try { body = snappyDecode(data) } catch { domain = INVALID; body = data }
  const h = createHash('sha256').update(domain)
  if (idMode === 'altair') {
    const t = Buffer.from(topicStr, 'utf8')
    const l = Buffer.alloc(8); l.writeBigUInt64LE(BigInt(t.length))
    h.update(l).update(t)
  }
  return new Uint8Array(h.update(body).digest().subarray(0, 20))
}

const hex = (b) => Buffer.from(b).toString('hex')

// ---- node

const gsOpts = { allowPublishToZeroTopicPeers: true, emitSelf: false }
if (idMode !== 'default') {
  gsOpts.globalSignaturePolicy = 'StrictNoSign'
  gsOpts.msgIdFn = (msg) => messageId(msg.topic, msg.data)
}
const node = await createLibp2p({
  addresses: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), pubsub: gossipsub(gsOpts) },
})
const ps = node.services.pubsub
console.log('PEERID', node.peerId.toString())
console.log('LISTEN', node.getMultiaddrs().map(String).join(' '))
node.addEventListener('peer:connect', e => console.log('PEER_CONNECT', e.detail.toString()))
node.addEventListener('peer:disconnect', e => console.log('PEER_DISCONNECT', e.detail.toString()))
ps.addEventListener('subscription-change', e => {
  for (const s of e.detail.subscriptions) {
    if (s.subscribe && s.topic === topic) console.log('SUBSCRIBED', e.detail.peerId.toString(), s.topic)
  }
})
ps.subscribe(topic)

let got = 0
ps.addEventListener('gossipsub:message', e => {
  const { propagationSource, msg } = e.detail
  let text
  try { text = new TextDecoder().decode(snappyDecode(msg.data)) } catch (err) {
    console.log('RECV_BAD', propagationSource.toString(), msg.topic, err.message)
    return
  }
  got++
  console.log('RECV', hex(messageId(msg.topic, msg.data)), propagationSource.toString(), msg.topic, text)
})

if (process.env.DIAL) {
  try { await node.dial(multiaddr(process.env.DIAL)); console.log('DIALED', process.env.DIAL) } catch (e) { console.log('DIAL_ERR', e.message) }
}

let n = 0
const iv = setInterval(async () => {
  if (n >= publishMax) return
  const text = `${prefix}-${n++}`
  const data = snappyEncode(new TextEncoder().encode(text))
  try {
    await ps.publish(topic, data)
    console.log('SENT', hex(messageId(topic, data)), topic, text)
  } catch (e) { console.log('PUBLISH_ERR', text, e.message) }
}, 1000)
const finish = async () => {
  clearInterval(iv)
  console.log('SUMMARY sent', n, 'received', got)
  await node.stop()
  process.exit(0)
}
setTimeout(finish, secs * 1000)
process.on('SIGTERM', finish)
process.on('SIGINT', finish)
