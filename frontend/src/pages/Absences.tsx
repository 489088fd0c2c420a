import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { fetchAbsences, queryKeys } from '../api/queries';
import { Alert } from '../components/Alert';
import { PageHeading } from '../components/PageHeading';
import { formatDate } from '../lib/dates';
import { errorMessage } from '../lib/errors';

export function AbsencesPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const query = useInfiniteQuery({
    queryKey: [...queryKeys.absences, 'all'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchAbsences(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeading title={t('absences.title')}>{t('absences.title')}</PageHeading>
      <p>{t('absences.intro')}</p>
      {query.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : query.isError ? (
        <Alert kind="error">{errorMessage(query.error, t)}</Alert>
      ) : items.length === 0 ? (
        <p>{t('absences.empty')}</p>
      ) : (
        <ul className="card-list">
          {items.map((a) => (
            <li key={a.id} className={`card absence absence--${a.status}`}>
              <p className="card__lead">
                {a.recovered_on
                  ? t('absences.period', {
                      from: formatDate(a.first_sick_day, lang),
                      to: formatDate(a.recovered_on, lang),
                    })
                  : t('absences.since', { from: formatDate(a.first_sick_day, lang) })}
              </p>
              <dl className="meta">
                <div>
                  <dt>{t('absences.statusLabel')}</dt>
                  <dd>
                    <span className={`tag tag--${a.status}`}>{t(`absences.status.${a.status}`)}</span>
                  </dd>
                </div>
                <div>
                  <dt>{t('absences.firstSickDay')}</dt>
                  <dd>{formatDate(a.first_sick_day, lang)}</dd>
                </div>
                {a.recovered_on ? (
                  <div>
                    <dt>{t('absences.recoveredOn')}</dt>
                    <dd>{formatDate(a.recovered_on, lang)}</dd>
                  </div>
                ) : null}
              </dl>
              {typeof a.hours_worked_first_day === 'number' ? (
                <p className="small">
                  {t('absences.hoursWorked', {
                    hours: new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'nl-NL').format(a.hours_worked_first_day),
                  })}
                </p>
              ) : null}
              {a.partial_recoveries?.map((p) => (
                <p key={`${p.from}-${p.percentage}`} className="small">
                  {t('absences.partial', { date: formatDate(p.from, lang), percentage: p.percentage })}
                </p>
              ))}
              {a.linked_to ? <p className="small">{t('absences.linked')}</p> : null}
            </li>
          ))}
        </ul>
      )}
      {query.hasNextPage ? (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => void query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
        >
          {t('common.loadMore')}
        </button>
      ) : null}
    </>
  );
}
