import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { Alert } from '../components/Alert';
import { PageHeading } from '../components/PageHeading';
import { PasswordFields } from '../components/PasswordFields';
import { errorMessage, passwordServerMessage } from '../lib/errors';
import { passwordIsValid } from '../lib/password';

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deadLink, setDeadLink] = useState<'invalid' | 'expired' | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setError(null);
    setServerError(null);
    if (!passwordIsValid(password, confirmation)) return;
    setBusy(true);
    try {
      unwrap(await api.POST('/api/v1/auth/password-reset/{token}', { params: { path: { token } }, body: { password } }));
      navigate('/login?reset=1', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setDeadLink('invalid');
      else if (err instanceof ApiError && err.status === 410) setDeadLink('expired');
      else if (err instanceof ApiError && err.status === 400 && err.fieldErrors().password)
        setServerError(passwordServerMessage(err.fieldErrors().password, t));
      else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (deadLink) {
    return (
      <div className="narrow">
        <PageHeading title={t('reset.title')}>{t('reset.title')}</PageHeading>
        <Alert kind="error">{deadLink === 'expired' ? t('reset.expiredLink') : t('reset.invalidLink')}</Alert>
        <p>
          <Link to="/forgot-password" className="button button--primary">
            {t('reset.requestNew')}
          </Link>
        </p>
      </div>
    );
  }

  return (
    <div className="narrow">
      <PageHeading title={t('reset.title')}>{t('reset.title')}</PageHeading>
      <p>{t('reset.intro')}</p>
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
        <PasswordFields
          password={password}
          confirmation={confirmation}
          onPassword={(v) => {
            setPassword(v);
            setServerError(null);
          }}
          onConfirmation={setConfirmation}
          submitted={submitted}
          serverError={serverError}
        />
        <button type="submit" className="button button--primary" disabled={busy}>
          {t('reset.submit')}
        </button>
      </form>
    </div>
  );
}
