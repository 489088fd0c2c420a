// How the SPA reads what people type for the second factor, and shows the TOTP key.
import type { MfaMethod, SecondFactorAnswer } from '../api/types';

/** "ABCDEFGH…" → "ABCD EFGH …" for typing the key by hand. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
}

/** A code as typed ("123 456", "123-456") → its digits, or null when it is not 6 digits. */
export function normaliseTotpCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** A recovery code as typed (format xxxx-xxxx-xxxx): only the outer white space goes; the server compares. */
export function normaliseRecoveryCode(input: string): string {
  return input.trim();
}

/**
 * What was typed for `method` → the answer to send, or why it cannot be sent yet: `'required'`
 * (nothing typed) or `'invalid'` (an app code that is not 6 digits).
 */
export function readSecondFactor(method: MfaMethod, input: string): SecondFactorAnswer | 'required' | 'invalid' {
  if (method === 'totp') {
    const digits = normaliseTotpCode(input);
    if (digits) return { code: digits };
    return input.trim() ? 'invalid' : 'required';
  }
  const recovery = normaliseRecoveryCode(input);
  return recovery ? { recovery_code: recovery } : 'required';
}
