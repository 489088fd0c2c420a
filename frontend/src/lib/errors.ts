import type { TFunction } from 'i18next';
import { ApiError } from '../api/problem';

/** A user-facing message for an unexpected error of an API call. */
export function errorMessage(e: unknown, t: TFunction): string {
  if (e instanceof ApiError) {
    if (e.status === 429) return t('common.tooManyRequests');
    if (e.status === 409) return t('common.conflict');
    // The API's own texts (detail, errors[].message) are English: show our translations.
    if (e.status === 400) return t('common.invalidInput');
    return t('common.genericError');
  }
  if (e instanceof TypeError) return t('common.networkError');
  return t('common.genericError');
}

/**
 * A translated message for the server's verdict on a new password (errors[].message of the
 * `password` / `new_password` field; the API's texts are English). The server is the only one
 * that knows the common-password list, so that is the usual case.
 */
export function passwordServerMessage(message: string | undefined, t: TFunction): string {
  const m = (message ?? '').toLowerCase();
  if (m.includes('common')) return t('password.serverCommon');
  if (m.includes('at least')) return `${t('validation.passwordInvalid')} (${t('password.rules.min_length')})`;
  if (m.includes('at most')) return `${t('validation.passwordInvalid')} (${t('password.rules.max_length')})`;
  if (m.includes('e-mail') || m.includes('email')) return `${t('validation.passwordInvalid')} (${t('password.rules.not_email')})`;
  return t('password.serverRejected');
}
