import { describe, expect, it } from 'vitest';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/problem';
import { errorMessage, passwordServerMessage } from './errors';

const t = ((key: string) => key) as unknown as TFunction;

describe('passwordServerMessage', () => {
  it('translates the server verdicts on a new password', () => {
    expect(passwordServerMessage('is a commonly used password; choose another', t)).toBe('password.serverCommon');
    expect(passwordServerMessage('must be at least 10 characters', t)).toContain('password.rules.min_length');
    expect(passwordServerMessage('must not contain your e-mail address', t)).toContain('password.rules.not_email');
    expect(passwordServerMessage('something new', t)).toBe('password.serverRejected');
  });
});

describe('errorMessage', () => {
  it('never shows the English detail of the API', () => {
    const e = new ApiError(400, { type: '/problems/validation', title: 'x', status: 400, detail: 'English text' }, null);
    expect(errorMessage(e, t)).toBe('common.invalidInput');
    expect(errorMessage(new ApiError(429, undefined, '60'), t)).toBe('common.tooManyRequests');
  });
});
