import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from './client';
import { isApiError, unwrap } from './problem';
import type { Absence, AbsenceList, DocumentList, Me } from './types';
import { normaliseLanguage } from '../i18n';

export const queryKeys = {
  me: ['me'] as const,
  absences: ['me', 'absences'] as const,
  timeline: ['me', 'timeline'] as const,
  documents: ['me', 'documents'] as const,
  passkeys: ['me', 'passkeys'] as const,
  accessLog: ['me', 'access-log'] as const,
  status: ['status'] as const,
};

/** GET /me. Once loaded, the profile language wins over the browser language. */
export function useMe(enabled = true) {
  const { i18n } = useTranslation();
  const query = useQuery({
    queryKey: queryKeys.me,
    enabled,
    queryFn: async () => unwrap(await api.GET('/api/v1/me')),
  });
  const language = query.data?.language;
  useEffect(() => {
    if (language && normaliseLanguage(i18n.language) !== language) void i18n.changeLanguage(language);
  }, [language, i18n]);
  return query;
}

/**
 * Puts the answer of PATCH /me into the cache (merged over what is there, so that nothing is
 * put in before the first GET /me).
 */
export function mergeMe(queryClient: QueryClient, patched: Me): void {
  queryClient.setQueryData<Me>(queryKeys.me, (old) => (old ? { ...old, ...patched } : undefined));
}

export async function fetchAbsences(cursor?: string): Promise<AbsenceList> {
  return unwrap(await api.GET('/api/v1/me/absences', { params: { query: { limit: 50, cursor } } }));
}

export async function fetchDocuments(cursor?: string): Promise<DocumentList> {
  return unwrap(await api.GET('/api/v1/me/documents', { params: { query: { limit: 50, cursor } } }));
}

/** First page of GET /me/absences (newest first); the open one, if any. */
export function useAbsences() {
  return useQuery({
    queryKey: queryKeys.absences,
    queryFn: () => fetchAbsences(),
  });
}

export function findOpenAbsence(items: readonly Absence[] | undefined): Absence | undefined {
  return items?.find((a) => a.status === 'open');
}

/** GET /me/timeline; null when there is no open absence (404). */
export function useTimeline(enabled = true) {
  return useQuery({
    queryKey: queryKeys.timeline,
    enabled,
    queryFn: async () => {
      try {
        return unwrap(await api.GET('/api/v1/me/timeline'));
      } catch (e) {
        if (isApiError(e, 404)) return null;
        throw e;
      }
    },
  });
}

export function useServiceStatus() {
  return useQuery({
    queryKey: queryKeys.status,
    queryFn: async () => unwrap(await api.GET('/api/v1/status')),
    staleTime: 60_000,
    retry: 1,
  });
}
