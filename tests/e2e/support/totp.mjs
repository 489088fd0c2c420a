// TOTP (RFC 6238) as an authenticator app computes it: HMAC-SHA1 over the 30-second time step,
// dynamic truncation (RFC 4226), 6 digits; the key is the base32 secret the enrolment page shows.
// A code is accepted once, so `totpSession` hands out codes of steps not used before.
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const PERIOD_S = 30;

/** RFC 4648 base32 (upper or lower case, spaces and '=' padding ignored) → bytes. */
export function base32Decode(text) {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = BASE32.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${JSON.stringify(text)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** HOTP (RFC 4226) of `key` (bytes) at `counter`, `digits` long. */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step of `ms` (Unix milliseconds). */
export function timeStep(ms = Date.now()) {
  return Math.floor(ms / 1000 / PERIOD_S);
}

/** The TOTP code of a base32 `secret` at time step `step`. */
export function totp(secret, step = timeStep(), digits = 6) {
  return hotp(base32Decode(secret), step, digits);
}

// RFC 6238 appendix B, SHA-1: the ASCII key "12345678901234567890", T = 59 s → 94287082
// (8 digits); the 6-digit code of an app is its last six digits.
{
  const rfcKey = Buffer.from('12345678901234567890', 'ascii');
  assert.equal(hotp(rfcKey, timeStep(59_000), 8), '94287082', 'RFC 6238 SHA-1 vector, T=59');
  assert.equal(hotp(rfcKey, timeStep(59_000), 6), '287082', 'RFC 6238 SHA-1 vector, T=59, 6 digits');
  assert.equal(hotp(rfcKey, timeStep(1_111_111_109_000), 8), '07081804', 'RFC 6238 SHA-1 vector, T=1111111109');
  // The same key as base32, as an enrolment page would show it.
  assert.equal(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', timeStep(59_000), 8), '94287082', 'base32 key');
}

/**
 * Codes for one secret, each of a time step after every one handed out before: the server
 * accepts each step once (and steps within ±1 of its clock, SPEC §8). When the current step is
 * used, the next step's code is handed out instead of waiting; only when that one is used too
 * does it wait for the next window. `{ future: false }` (or E2E_TOTP_NO_FUTURE=1) always waits
 * for an unused window instead, for a server that does not take the next step's code.
 */
export function totpSession(secret, { future = process.env.E2E_TOTP_NO_FUTURE !== '1' } = {}) {
  let lastUsed = -Infinity;
  const ahead = future ? 1 : 0;
  return {
    /** A code not handed out before (may wait up to 30 s). */
    async next() {
      for (;;) {
        const now = Date.now();
        const current = timeStep(now);
        const step = Math.max(current, lastUsed + 1);
        if (step <= current + ahead) {
          lastUsed = step;
          return totp(secret, step);
        }
        const nextWindow = (current + 1) * PERIOD_S * 1000;
        await new Promise((r) => setTimeout(r, nextWindow - now + 250));
      }
    },
    /** A 6-digit string that is not the code of any step around now (a "wrong code"). */
    wrong() {
      const s = timeStep();
      const valid = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, s + d)));
      for (let n = 0; ; n += 1) {
        const candidate = String((123456 + n * 111111) % 1_000_000).padStart(6, '0');
        if (!valid.has(candidate)) return candidate;
      }
    },
  };
}
