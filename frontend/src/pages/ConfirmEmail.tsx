import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { queryKeys } from '../api/queries';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/Alert';
import { PageHeading } from '../components/PageHeading';
import { errorMessage } from '../lib/errors';

type Outcome = 'done' | 'unknown' | 'expired' | 'taken';

/**
 * /confirm-email/:token — the link sent to a new address. Confirming takes a click: mail
 * scanners that open links in advance must not confirm an address for the person.
 */
export function ConfirmEmailPage() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const { state } = useAuth();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const result = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (outcome) result.current?.focus();
  }, [outcome]);

  const onConfirm = async () => {
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST('/api/v1/auth/email-change/{token}', { params: { path: { token } } }));
      setOutcome('done');
      // A logged-in profile shows the new address.
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setOutcome('unknown');
      else if (err instanceof ApiError && err.status === 410) setOutcome('expired');
      else if (err instanceof ApiError && err.status === 409) setOutcome('taken');
      else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  const title = t('confirmEmail.title');
  const authed = state === 'authenticated';

  return (
    <div className="narrow">
      <PageHeading title={title}>{title}</PageHeading>
      {outcome ? (
        <div ref={result} tabIndex={-1} className="result">
          <Alert kind={outcome === 'done' ? 'success' : 'error'}>{t(`confirmEmail.${outcome}`)}</Alert>
          <p>
            <Link to={authed ? '/' : '/login'} className="button button--secondary">
              {authed ? t('common.backHome') : t('confirmEmail.toLogin')}
            </Link>
          </p>
        </div>
      ) : (
        <>
          <p>{t('confirmEmail.intro')}</p>
          <Alert kind="error">{error}</Alert>
          <button type="button" className="button button--primary" disabled={busy} onClick={() => void onConfirm()}>
            {t('confirmEmail.submit')}
          </button>
        </>
      )}
    </div>
  );
}
