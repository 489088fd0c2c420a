import { useTranslation } from 'react-i18next';
import { useServiceStatus } from '../api/queries';
import { formatDateTime } from '../lib/dates';

/** Service status from the public GET /api/v1/status (shown on login and help). */
export function StatusBanner() {
  const { t, i18n } = useTranslation();
  const { data, isError, isPending } = useServiceStatus();
  let body: string;
  let kind = 'ok';
  if (isPending) body = t('app.loading');
  else if (isError || !data) {
    body = t('status.unavailable');
    kind = 'unknown';
  } else if (data.message) {
    body = t('status.message', { message: data.message });
    kind = 'notice';
  } else body = t('status.ok');
  return (
    <section className={`service-status service-status--${kind}`} aria-labelledby="service-status-title">
      <h2 id="service-status-title" className="service-status__title">
        {t('status.title')}
      </h2>
      <p role="status" className="service-status__text">
        {body}
      </p>
      {data?.message && data.updated_at ? (
        <p className="service-status__meta">{t('status.updated', { time: formatDateTime(data.updated_at, i18n.language) })}</p>
      ) : null}
    </section>
  );
}
