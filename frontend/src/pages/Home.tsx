import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { findOpenAbsence, useAbsences, useMe, useTimeline } from '../api/queries';
import { Alert } from '../components/Alert';
import { PageHeading } from '../components/PageHeading';
import { TimelineView } from '../components/TimelineView';
import { formatDate } from '../lib/dates';
import { errorMessage } from '../lib/errors';

export function HomePage() {
  const { t, i18n } = useTranslation();
  const [params] = useSearchParams();
  const me = useMe();
  const absences = useAbsences();
  const open = findOpenAbsence(absences.data?.items);
  const timeline = useTimeline(!!open);
  const lang = i18n.language;

  const title = me.data ? t('home.title', { name: me.data.first_name }) : t('home.titleAnonymous');
  const done = params.get('done');
  const lastPartial = open?.partial_recoveries?.length ? open.partial_recoveries[open.partial_recoveries.length - 1] : null;

  return (
    <>
      <PageHeading title={t('nav.home')}>{title}</PageHeading>
      <Alert kind="success">
        {done === 'reported'
          ? t('home.justReported')
          : done === 'recovered'
            ? t('home.justRecovered')
            : done === 'partial'
              ? t('home.justPartial')
              : null}
      </Alert>
      {absences.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : absences.isError ? (
        <Alert kind="error">{errorMessage(absences.error, t)}</Alert>
      ) : open ? (
        <section className="card card--open" aria-labelledby="absence-state">
          <p id="absence-state" className="card__lead">
            {t('home.openAbsence', { date: formatDate(open.first_sick_day, lang) })}
          </p>
          {lastPartial ? (
            <p>{t('home.partial', { date: formatDate(lastPartial.from, lang), percentage: lastPartial.percentage })}</p>
          ) : null}
          <Link to="/recovery" className="button button--primary button--large">
            {t('home.reportRecovered')}
          </Link>
        </section>
      ) : (
        <section className="card" aria-labelledby="absence-state">
          <p id="absence-state" className="card__lead">
            {t('home.noOpenAbsence')}
          </p>
          <Link to="/report-sick" className="button button--primary button--large">
            {t('home.reportSick')}
          </Link>
        </section>
      )}
      {open && timeline.data ? (
        <>
          {open.linked_to && timeline.data.counting_from !== open.first_sick_day ? (
            <Alert kind="info">{t('home.linked', { date: formatDate(timeline.data.counting_from, lang) })}</Alert>
          ) : null}
          <TimelineView timeline={timeline.data} />
        </>
      ) : null}
      {open && timeline.isError ? <Alert kind="error">{errorMessage(timeline.error, t)}</Alert> : null}
    </>
  );
}
