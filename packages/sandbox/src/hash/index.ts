/**
 * Hashing for transforms, importable inside the sandbox as `@patchbay/sandbox/hash` (and in
 * Node, for unit tests of a transform). Pure ECMAScript with no imports: the sandbox runs this
 * same file inside the isolate, so hashing PII never crosses into the host.
 *
 * Strings are hashed as UTF-8, so results match `crypto.createHash('sha256')` and every other
 * SHA-256 implementation fed the same text. *
 * Why not @noble/hashes (audited, and it would run in an isolate): this file is loaded into
 * isolates as one self-contained module with no imports. Using noble means either inlining it
 * into our dist (which test/packaging.test.ts forbids for every dependency, so a security fix
 * upstream reaches users by a plain `npm update`) or bundling it with esbuild inside every
 * worker at start; and noble's string input needs `TextEncoder`, which isolates lack, so the
 * UTF-8 encoding below would stay ours anyway. What is left is 60 lines of FIPS 180-4,
 * checked against node:crypto on the NIST vectors and on every length across the padding
 * boundaries (test/hash.test.ts). Revisit if the sandbox gains a bundling step for builtins.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])
const HEX = '0123456789abcdef'
const W = new Uint32Array(64)

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
function utf8(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3)
  let n = 0
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i)
    if (c < 0x80) {
      out[n++] = c
      continue
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
        out[n++] = 0xf0 | (c >> 18)
        out[n++] = 0x80 | ((c >> 12) & 0x3f)
        out[n++] = 0x80 | ((c >> 6) & 0x3f)
        out[n++] = 0x80 | (c & 0x3f)
        continue
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6)
      out[n++] = 0x80 | (c & 0x3f)
    } else {
      out[n++] = 0xe0 | (c >> 12)
      out[n++] = 0x80 | ((c >> 6) & 0x3f)
      out[n++] = 0x80 | (c & 0x3f)
    }
  }
  return out.subarray(0, n)
}

function digest(bytes: Uint8Array): Uint8Array {
  const bitLength = bytes.length * 8
  const padded = new Uint8Array((((bytes.length + 9 + 63) >> 6) << 6) >>> 0)
  padded.set(bytes)
  padded[bytes.length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(bitLength / 0x100000000))
  view.setUint32(padded.length - 4, bitLength >>> 0)
  let h0 = 0x6a09e667
  let h1 = 0xbb67ae85
  let h2 = 0x3c6ef372
  let h3 = 0xa54ff53a
  let h4 = 0x510e527f
  let h5 = 0x9b05688c
  let h6 = 0x1f83d9ab
  let h7 = 0x5be0cd19
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + i * 4)
    for (let i = 16; i < 64; i++) {
      const a = W[i - 15]!
      const b = W[i - 2]!
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0
    }
    let a = h0
    let b = h1
    let c = h2
    let d = h3
    let e = h4
    let f = h5
    let g = h6
    let h = h7
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h0 = (h0 + a) | 0
    h1 = (h1 + b) | 0
    h2 = (h2 + c) | 0
    h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0
    h5 = (h5 + f) | 0
    h6 = (h6 + g) | 0
    h7 = (h7 + h) | 0
  }
  const out = new Uint8Array(32)
  const outView = new DataView(out.buffer)
  const words = [h0, h1, h2, h3, h4, h5, h6, h7]
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, words[i]! >>> 0)
  return out
}

function hex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!
  return s
}

function bytesOf(input: string | Uint8Array): Uint8Array {
  if (typeof input === 'string') return utf8(input)
  if (input instanceof Uint8Array) return input
  throw new TypeError(
    `sha256 expects a string or a Uint8Array, got ${input === null ? 'null' : typeof input}`,
  )
}

/**
 * The SHA-256 of a string (as UTF-8) or of bytes, as 64 lowercase hex characters.
 *
 * @example
 * import { sha256 } from '@patchbay/sandbox/hash'
 * export function transformEvent(event) {
 *   const email = event.traits?.email
 *   if (typeof email === 'string') event.traits.email = sha256(email.trim().toLowerCase())
 *   return event
 * }
 */
export function sha256(input: string | Uint8Array): string {
  return hex(digest(bytesOf(input)))
}

/**
 * The HMAC-SHA-256 of a message under a secret key, as 64 lowercase hex characters. A keyed
 * hash resists dictionary attacks on low-entropy values such as emails and phone numbers.
 *
 * @example
 * import { hmacSha256 } from '@patchbay/sandbox/hash'
 * event.userId = hmacSha256('pepper-from-config', event.userId)
 */
export function hmacSha256(key: string | Uint8Array, message: string | Uint8Array): string {
  let k = bytesOf(key)
  if (k.length > 64) k = digest(k)
  const block = new Uint8Array(64)
  block.set(k)
  const msg = bytesOf(message)
  const inner = new Uint8Array(64 + msg.length)
  const outer = new Uint8Array(64 + 32)
  for (let i = 0; i < 64; i++) {
    inner[i] = block[i]! ^ 0x36
    outer[i] = block[i]! ^ 0x5c
  }
  inner.set(msg, 64)
  outer.set(digest(inner), 64)
  return hex(digest(outer))
}
