import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthContext';
import { safeNext } from '../auth/RequireAuth';
import { ApiError, blockedUntil } from '../api/problem';
import { Alert } from '../components/Alert';
import { TextField } from '../components/Field';
import { PageHeading } from '../components/PageHeading';
import { StatusBanner } from '../components/StatusBanner';
import { errorMessage } from '../lib/errors';
import { formatDateTime } from '../lib/dates';

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const { login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});

  let notice: string | null = null;
  if (params.get('activated')) notice = t('login.activated');
  else if (params.get('reset')) notice = t('login.resetDone');
  else if (params.get('expired')) notice = t('login.sessionExpired');
  else if (params.get('loggedout')) notice = t('login.loggedOut');

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const fe: typeof fieldErrors = {};
    if (!email.trim()) fe.email = t('validation.required');
    else if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) fe.email = t('validation.email');
    if (!password) fe.password = t('validation.required');
    setFieldErrors(fe);
    setError(null);
    if (fe.email || fe.password) return;
    setBusy(true);
    try {
      await login(email.trim(), password);
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.status === 401) setError(t('login.invalid'));
      // The server parses the address more strictly than the form (a domain needs a dot).
      else if (err instanceof ApiError && err.status === 400 && err.fieldErrors().email)
        setFieldErrors({ email: t('validation.email') });
      else if (err instanceof ApiError && err.status === 429 && err.problem.type?.endsWith('/rate-limited'))
        setError(t('login.rateLimited'));
      else if (err instanceof ApiError && err.status === 429) {
        const until = blockedUntil(err);
        setError(until ? t('login.blockedUntil', { time: formatDateTime(until, i18n.language) }) : t('login.blocked'));
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <PageHeading title={t('login.title')}>{t('login.title')}</PageHeading>
      <p>{t('login.intro')}</p>
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
        <TextField
          label={t('fields.email')}
          type="email"
          name="email"
          autoComplete="username"
          inputMode="email"
          autoCapitalize="none"
          spellCheck={false}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fieldErrors.email}
          required
        />
        <TextField
          label={t('fields.password')}
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldErrors.password}
          required
        />
        <button type="submit" className="button button--primary" disabled={busy} aria-disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
      <ul className="link-list">
        <li>
          <Link to="/forgot-password">{t('login.forgot')}</Link>
        </li>
        <li>
          <Link to="/help">{t('login.help')}</Link>
        </li>
      </ul>
      <StatusBanner />
    </div>
  );
}
