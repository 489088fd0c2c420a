import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { queryKeys } from '../api/queries';
import type { AccessLogPage, AccessParty } from '../api/types';
import { Alert } from '../components/Alert';
import { DUTCH_TIME_ZONE, formatDateTime } from '../lib/dates';
import { errorMessage } from '../lib/errors';

/** The actions the server records (SPEC §10 "Who looked"); each has a sentence in `accessLog.actions`. */
export const KNOWN_ACTIONS = [
  'absence.reported',
  'absence.partially_recovered',
  'absence.recovered',
  'absence.cancelled',
  'absence.corrected',
  'absence.read',
  'poortwachter.step_recorded',
  'document.uploaded',
  'document.changed',
  'document.deleted',
  'document.responded',
  'document.read',
  'document.responses_read',
  'document.downloaded',
  'employee.mfa_reset',
] as const;

const PARTY_ROLES = ['employer', 'arbodienst'] as const;

/** GET /me/access-log, one page (newest first). */
async function fetchAccessLog(cursor?: string): Promise<AccessLogPage> {
  return unwrap(await api.GET('/api/v1/me/access-log', { params: { query: { limit: 50, cursor } } }));
}

type T = ReturnType<typeof useTranslation>['t'];

/** "bekeek je ziekmelding"; an action this version does not know yet is shown by its name. */
function actionSentence(action: string, t: T): string {
  return (KNOWN_ACTIONS as readonly string[]).includes(action)
    ? t(`accessLog.actions.${action}`)
    : t('accessLog.actions.unknown', { action });
}

/** "HR-systeem (werkgever)" — the employer's system by its client name, or the arbodienst. */
function partyLabel(party: AccessParty, t: T): string {
  return (PARTY_ROLES as readonly string[]).includes(party.role)
    ? t('accessLog.party', { name: party.name, role: t(`accessLog.roles.${party.role}`) })
    : party.name;
}

/** "Who looked at your data": every read or change of the employee's data by someone else. */
export function AccessLogSection() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const query = useInfiniteQuery({
    queryKey: queryKeys.accessLog,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchAccessLog(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section aria-labelledby="access-log-title" className="section">
      <h2 id="access-log-title">{t('accessLog.title')}</h2>
      <p>{t('accessLog.intro')}</p>
      {/* Also when a later page or a refresh fails: what was loaded stays on screen. */}
      <Alert kind="error">{query.isError ? errorMessage(query.error, t) : null}</Alert>
      {query.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : !query.data ? null : items.length === 0 ? (
        <p>{t('accessLog.empty')}</p>
      ) : (
        <ol className="access-log" aria-labelledby="access-log-title">
          {items.map((entry, i) => (
            // The same party may do the same to the same item in the same second: the index keeps keys apart.
            <li key={`${entry.at}-${entry.action}-${entry.resource_id}-${i}`} className="access-log__item">
              <time className="access-log__when" dateTime={entry.at}>
                {formatDateTime(entry.at, lang, DUTCH_TIME_ZONE)}
              </time>{' '}
              <span className="access-log__what">
                <strong>{partyLabel(entry.party, t)}</strong> {actionSentence(entry.action, t)}
              </span>
            </li>
          ))}
        </ol>
      )}
      {query.hasNextPage ? (
        // aria-disabled, not disabled: the button keeps the focus while the next page loads.
        <button
          type="button"
          className="button button--secondary"
          aria-disabled={query.isFetchingNextPage}
          onClick={() => !query.isFetchingNextPage && void query.fetchNextPage()}
        >
          {t('common.loadMore')}
        </button>
      ) : null}
    </section>
  );
}
