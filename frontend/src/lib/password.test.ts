import { describe, expect, it } from 'vitest';
import { checkPassword, emailLocalPart, firstPasswordProblem, passwordIsValid } from './password';

const rule = (pw: string, confirm: string, email?: string) =>
  Object.fromEntries(checkPassword(pw, confirm, email).map((r) => [r.rule, r.ok]));

describe('password policy', () => {
  it('requires at least 10 characters', () => {
    expect(rule('123456789', '123456789').min_length).toBe(false);
    expect(rule('1234567890', '1234567890').min_length).toBe(true);
  });

  it('counts characters, not UTF-16 units', () => {
    // 9 emoji are 18 UTF-16 code units but only 9 characters
    const nine = '😀'.repeat(9);
    expect(rule(nine, nine).min_length).toBe(false);
    expect(rule('😀'.repeat(10), '😀'.repeat(10)).min_length).toBe(true);
  });

  it('allows at most 128 characters', () => {
    const ok = 'a'.repeat(128);
    const long = 'a'.repeat(129);
    expect(rule(ok, ok).max_length).toBe(true);
    expect(rule(long, long).max_length).toBe(false);
  });

  it('rejects passwords equal to or containing the e-mail local part, case-insensitively', () => {
    expect(rule('jan.jansen', 'jan.jansen', 'Jan.Jansen@example.nl').not_email).toBe(false);
    expect(rule('mijnJAN.JANSENwachtwoord', 'x', 'jan.jansen@example.nl').not_email).toBe(false);
    expect(rule('correct horse battery', 'x', 'jan.jansen@example.nl').not_email).toBe(true);
  });

  it('leaves the e-mail rule out when the e-mail address is unknown', () => {
    expect(checkPassword('whatever long', 'whatever long').map((r) => r.rule)).not.toContain('not_email');
    expect(emailLocalPart('')).toBe('');
    expect(emailLocalPart('A.B@c.d')).toBe('a.b');
  });

  it('needs the password typed twice the same', () => {
    expect(rule('lange zin met spaties', 'lange zin met spaties').matches).toBe(true);
    expect(rule('lange zin met spaties', 'Lange zin met spaties').matches).toBe(false);
    expect(rule('', '').matches).toBe(false);
  });

  it('has no composition rules', () => {
    expect(passwordIsValid('alleen kleine letters', 'alleen kleine letters', 'piet@example.nl')).toBe(true);
  });

  it('reports the first problem of the new password', () => {
    expect(firstPasswordProblem('kort')).toBe('min_length');
    expect(firstPasswordProblem('piet-is-de-beste', 'piet@example.nl')).toBe('not_email');
    expect(firstPasswordProblem('een goede lange zin', 'piet@example.nl')).toBeNull();
  });
});

describe('not_email like the server', () => {
  it('a one- or two-letter local part only forbids the whole address', () => {
    const r = Object.fromEntries(checkPassword('jojo-fietst-graag', 'x', 'jo@example.nl').map((x) => [x.rule, x.ok]));
    expect(r.not_email).toBe(true);
    const whole = Object.fromEntries(checkPassword('JO@example.nl', 'x', 'jo@example.nl').map((x) => [x.rule, x.ok]));
    expect(whole.not_email).toBe(false);
  });
});
