import type { TFunction } from 'i18next';
import { ApiError } from '../api/problem';

/** A user-facing message for an unexpected error of an API call. */
export function errorMessage(e: unknown, t: TFunction): string {
  if (e instanceof ApiError) {
    if (e.status === 429) return t('common.tooManyRequests');
    if (e.status === 409) return e.problem.detail || t('common.conflict');
    if (e.status === 400 && e.problem.detail) return e.problem.detail;
    return t('common.genericError');
  }
  if (e instanceof TypeError) return t('common.networkError');
  return t('common.genericError');
}
