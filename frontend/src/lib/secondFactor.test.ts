import { describe, expect, it } from 'vitest';
import { groupSecret, normaliseRecoveryCode, normaliseTotpCode, readSecondFactor } from './secondFactor';

describe('second-factor input', () => {
  it('groups the key by four', () => {
    expect(groupSecret('jbswy3dpehpk3pxp jb')).toBe('JBSW Y3DP EHPK 3PXP JB');
  });
  it('takes a 6-digit code with spaces or a dash, nothing else', () => {
    expect(normaliseTotpCode(' 123 456 ')).toBe('123456');
    expect(normaliseTotpCode('123-456')).toBe('123456');
    expect(normaliseTotpCode('12345')).toBeNull();
    expect(normaliseTotpCode('12345a')).toBeNull();
  });
  it('leaves a recovery code to the server but for the outer white space', () => {
    expect(normaliseRecoveryCode(' abcd-EFGH-ijkl \n')).toBe('abcd-EFGH-ijkl');
  });
  it('reads the answer of either method, or says what is missing', () => {
    expect(readSecondFactor('totp', '123 456')).toEqual({ code: '123456' });
    expect(readSecondFactor('totp', '12 34')).toBe('invalid');
    expect(readSecondFactor('totp', '  ')).toBe('required');
    expect(readSecondFactor('recovery_code', ' k0q7-a2mz-9xp0 ')).toEqual({ recovery_code: 'k0q7-a2mz-9xp0' });
    expect(readSecondFactor('recovery_code', ' ')).toBe('required');
  });
});
