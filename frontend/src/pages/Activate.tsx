import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { ApiError, blockedUntil, unwrap } from '../api/problem';
import type { ActivationStatus } from '../api/types';
import { Alert } from '../components/Alert';
import { CodeField, TextField } from '../components/Field';
import { PageHeading } from '../components/PageHeading';
import { PasswordFields } from '../components/PasswordFields';
import { errorMessage, passwordServerMessage } from '../lib/errors';
import { formatDateTime, parseIsoDate, toIsoDate } from '../lib/dates';
import { passwordIsValid } from '../lib/password';
import { normaliseTotpCode } from '../lib/secondFactor';

type DeadLink = 'notFound' | 'gone';

/**
 * /activate/:token — step 1 e-mail + date of birth, step 2 choose a password; or, when the
 * address already has a Verzuim login, step 2 proves that login (its password, and the app's
 * code when it has one) and the new employment is linked to it.
 */
export function ActivatePage() {
  const { t, i18n } = useTranslation();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const [step, setStep] = useState<1 | 2>(1);
  const [email, setEmail] = useState('');
  const [dob, setDob] = useState('');
  const [check, setCheck] = useState<ActivationStatus | null>(null);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [code, setCode] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; dob?: string; password?: string; code?: string }>({});
  const [serverPasswordError, setServerPasswordError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deadLink, setDeadLink] = useState<DeadLink | null>(null);
  const [busy, setBusy] = useState(false);
  const step2Heading = useRef<HTMLHeadingElement>(null);

  // Step 2 replaces step 1: focus its heading, so that screen readers follow.
  useEffect(() => {
    if (step === 2) step2Heading.current?.focus();
  }, [step]);

  const handleLinkErrors = (err: unknown): boolean => {
    if (err instanceof ApiError && err.status === 404) {
      setDeadLink('notFound');
      return true;
    }
    if (err instanceof ApiError && err.status === 410) {
      setDeadLink('gone');
      return true;
    }
    return false;
  };

  const onVerify = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const fe: typeof fieldErrors = {};
    if (!email.trim()) fe.email = t('validation.required');
    else if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) fe.email = t('validation.email');
    if (!dob) fe.dob = t('validation.required');
    else if (!parseIsoDate(dob) || dob > toIsoDate(new Date())) fe.dob = t('validation.date');
    setFieldErrors(fe);
    if (fe.email || fe.dob) return;
    setBusy(true);
    try {
      const result = unwrap(
        await api.POST('/api/v1/activation/{token}/verify', {
          params: { path: { token } },
          body: { email: email.trim(), date_of_birth: dob },
        }),
      );
      setCheck(result);
      setStep(2);
    } catch (err) {
      if (handleLinkErrors(err)) return;
      if (err instanceof ApiError && err.status === 400) setError(t('activate.mismatch'));
      else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  const onActivate = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setError(null);
    setServerPasswordError(null);
    if (!passwordIsValid(password, confirmation, email)) return;
    setBusy(true);
    try {
      unwrap(
        await api.POST('/api/v1/activation/{token}', {
          params: { path: { token } },
          body: { email: email.trim(), date_of_birth: dob, password },
        }),
      );
      navigate(`/login?activated=1&email=${encodeURIComponent(email.trim())}`, { replace: true });
    } catch (err) {
      if (handleLinkErrors(err)) return;
      if (err instanceof ApiError && err.status === 400) {
        const fe = err.fieldErrors();
        if (fe.password) setServerPasswordError(passwordServerMessage(fe.password, t));
        else {
          setStep(1);
          setError(t('activate.mismatch'));
        }
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  /** The address already has a login: its password (and code) link this employment to it. */
  const onLink = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const fe: typeof fieldErrors = {};
    if (!password) fe.password = t('validation.required');
    const digits = check?.login_has_mfa ? normaliseTotpCode(code) : null;
    if (check?.login_has_mfa && !digits) fe.code = t(code.trim() ? 'login.mfa.codeInvalid' : 'validation.required');
    setFieldErrors(fe);
    if (fe.password || fe.code) return;
    setBusy(true);
    try {
      unwrap(
        await api.POST('/api/v1/activation/{token}', {
          params: { path: { token } },
          body: { email: email.trim(), date_of_birth: dob, password, ...(digits ? { code: digits } : {}) },
        }),
      );
      navigate(`/login?linked=1&email=${encodeURIComponent(email.trim())}`, { replace: true });
    } catch (err) {
      setCode('');
      if (handleLinkErrors(err)) return;
      if (err instanceof ApiError && err.status === 400) {
        const server = err.fieldErrors();
        if (server.password || server.code) {
          if (server.password) setPassword('');
          setFieldErrors({
            password: server.password ? t('activate.link.wrongPassword') : undefined,
            code: server.code ? t('login.mfa.wrongCode') : undefined,
          });
        } else {
          setStep(1);
          setError(t('activate.mismatch'));
        }
      } else if (err instanceof ApiError && err.status === 429) {
        setPassword('');
        const until = blockedUntil(err);
        setError(until ? t('login.blockedUntil', { time: formatDateTime(until, i18n.language) }) : t('login.blocked'));
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (deadLink) {
    return (
      <div className="narrow">
        <PageHeading title={t('activate.title')}>{t('activate.title')}</PageHeading>
        <Alert kind="error">{t(`activate.${deadLink}`)}</Alert>
        <p>
          <Link to="/login" className="button button--secondary">
            {t('activate.toLogin')}
          </Link>
        </p>
      </div>
    );
  }

  return (
    <div className="narrow">
      <PageHeading title={t('activate.title')}>{t('activate.title')}</PageHeading>
      <p className="step-indicator">{t('activate.step', { step })}</p>
      <Alert kind="error">{error}</Alert>
      {step === 1 ? (
        <form onSubmit={(e) => void onVerify(e)} noValidate className="form" key="step1">
          <p>{t('activate.step1Intro')}</p>
          <TextField
            label={t('fields.email')}
            hint={t('fields.emailHint')}
            type="email"
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
            label={t('fields.dateOfBirth')}
            type="date"
            autoComplete="bday"
            max={toIsoDate(new Date())}
            value={dob}
            onChange={(e) => setDob(e.target.value)}
            error={fieldErrors.dob}
            required
          />
          <button type="submit" className="button button--primary" disabled={busy}>
            {t('activate.step1Submit')}
          </button>
        </form>
      ) : check?.login_exists ? (
        <form onSubmit={(e) => void onLink(e)} noValidate className="form" key="step2-link">
          <h2 ref={step2Heading} tabIndex={-1} className="step-heading">
            {t('activate.link.title')}
          </h2>
          <p>{t('activate.link.intro')}</p>
          <input type="email" className="visually-hidden" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
          <TextField
            label={t('activate.link.password')}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldErrors.password}
            required
          />
          {check.login_has_mfa ? (
            <CodeField
              label={t('login.mfa.codeLabel')}
              hint={t('activate.link.codeHint')}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={fieldErrors.code}
              required
            />
          ) : null}
          <p className="field__hint">{t('activate.link.forgot')}</p>
          <button type="submit" className="button button--primary" disabled={busy}>
            {t('activate.link.submit')}
          </button>
        </form>
      ) : (
        <form onSubmit={(e) => void onActivate(e)} noValidate className="form" key="step2">
          <h2 ref={step2Heading} tabIndex={-1} className="step-heading">
            {t('activate.step2Title')}
          </h2>
          <p>{t('activate.step2Intro')}</p>
          {/* lets password managers store the user name with the new password */}
          <input type="email" className="visually-hidden" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
          <PasswordFields
            password={password}
            confirmation={confirmation}
            onPassword={(v) => {
              setPassword(v);
              setServerPasswordError(null);
            }}
            onConfirmation={setConfirmation}
            email={email}
            submitted={submitted}
            serverError={serverPasswordError}
            label={t('fields.password')}
          />
          <button type="submit" className="button button--primary" disabled={busy}>
            {t('activate.step2Submit')}
          </button>
        </form>
      )}
    </div>
  );
}
