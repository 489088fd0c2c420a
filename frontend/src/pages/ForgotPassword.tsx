import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { Alert } from '../components/Alert';
import { TextField } from '../components/Field';
import { PageHeading } from '../components/PageHeading';
import { errorMessage } from '../lib/errors';

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const value = email.trim();
    if (!value) return setFieldError(t('validation.required'));
    if (!/^[^\s@]+@[^\s@]+$/.test(value)) return setFieldError(t('validation.email'));
    setFieldError(null);
    setBusy(true);
    try {
      unwrap(await api.POST('/api/v1/auth/password-reset', { body: { email: value } }));
      setSentTo(value);
    } catch (err) {
      setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <PageHeading title={t('forgot.title')}>{t('forgot.title')}</PageHeading>
      <Alert kind="success">{sentTo ? t('forgot.sent', { email: sentTo }) : null}</Alert>
      <Alert kind="error">{error}</Alert>
      {sentTo ? null : (
        <>
          <p>{t('forgot.intro')}</p>
          <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
            <TextField
              label={t('fields.email')}
              type="email"
              autoComplete="username"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              error={fieldError}
              required
            />
            <button type="submit" className="button button--primary" disabled={busy}>
              {t('forgot.submit')}
            </button>
          </form>
        </>
      )}
      <p>
        <Link to="/login">{t('forgot.backToLogin')}</Link>
      </p>
    </div>
  );
}
