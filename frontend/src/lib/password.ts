/**
 * Client-side password policy (SPEC §2.3, NIST 800-63B style): 10–128 characters, not equal to
 * or containing the e-mail's local part, typed twice the same. No composition rules.
 * The server also rejects common passwords (bundled list); that answer comes back as a
 * validation error on the `password` field.
 */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

export type PasswordRule = 'min_length' | 'max_length' | 'not_email' | 'matches';

export interface RuleResult {
  rule: PasswordRule;
  ok: boolean;
}

/** Length in user-perceived characters (code points), as the server counts. */
export function passwordLength(password: string): number {
  return Array.from(password).length;
}

export function emailLocalPart(email: string | null | undefined): string {
  if (!email) return '';
  const at = email.lastIndexOf('@');
  return (at >= 0 ? email.slice(0, at) : email).trim().toLowerCase();
}

/**
 * Checks every rule. `email` may be unknown (reset-password page): then the e-mail rule is
 * left out, the server still checks it.
 */
export function checkPassword(
  password: string,
  confirmation: string,
  email?: string | null,
): RuleResult[] {
  const len = passwordLength(password);
  const results: RuleResult[] = [
    { rule: 'min_length', ok: len >= PASSWORD_MIN },
    { rule: 'max_length', ok: len <= PASSWORD_MAX },
  ];
  const local = emailLocalPart(email);
  if (local) {
    // As the server: a local part of one or two letters only forbids the whole address.
    const lowered = password.toLowerCase();
    const ok =
      lowered !== (email ?? '').trim().toLowerCase() &&
      (Array.from(local).length < 3 || !lowered.includes(local));
    results.push({ rule: 'not_email', ok });
  }
  results.push({ rule: 'matches', ok: password.length > 0 && password === confirmation });
  return results;
}

export function passwordIsValid(password: string, confirmation: string, email?: string | null): boolean {
  return checkPassword(password, confirmation, email).every((r) => r.ok);
}

/** First failing rule of the new password itself (without the confirmation), or null. */
export function firstPasswordProblem(password: string, email?: string | null): PasswordRule | null {
  const failing = checkPassword(password, password, email).find((r) => !r.ok && r.rule !== 'matches');
  return failing ? failing.rule : null;
}
