import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthContext';
import { safeNext } from '../auth/RequireAuth';
import { ApiError, blockedUntil } from '../api/problem';
import type { MfaChallenge, MfaMethod, SecondFactorAnswer } from '../api/types';
import { Alert } from '../components/Alert';
import { CodeField, RecoveryCodeField, TextField } from '../components/Field';
import { PageHeading } from '../components/PageHeading';
import { StatusBanner } from '../components/StatusBanner';
import { errorMessage } from '../lib/errors';
import { formatDateTime } from '../lib/dates';
import { passkeyProblem, passkeyProblemKey, passkeysSupported } from '../lib/passkey';
import { normaliseRecoveryCode, normaliseTotpCode } from '../lib/secondFactor';

const CODE_FIELD = 'login-code';
const RECOVERY_FIELD = 'login-recovery-code';
const PASSWORD_FIELD = 'login-password';
const PASSKEY_BUTTON = 'login-passkey-step';

/** The second step's method when the password was right: the app, else a passkey, else a recovery code. */
function firstMethod(methods: readonly MfaMethod[], passkeys: boolean): MfaMethod {
  if (methods.includes('totp')) return 'totp';
  if (passkeys && methods.includes('passkey')) return 'passkey';
  return methods.includes('recovery_code') ? 'recovery_code' : 'totp';
}

/** Where focus goes when the second step shows `method`. */
function fieldOf(method: MfaMethod): string {
  if (method === 'passkey') return PASSKEY_BUTTON;
  return method === 'totp' ? CODE_FIELD : RECOVERY_FIELD;
}

/** POST /auth/mfa's problem type for an mfa_token that expired or was used. */
const MFA_TOKEN_EXPIRED = '/problems/mfa-token-expired';

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const { login, completeMfa, loginWithPasskey } = useAuth();
  // Whether this browser can use a passkey here (never on an IP address).
  const [canPasskey] = useState(passkeysSupported);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string; code?: string }>({});
  // The second step (the login has an authenticator app).
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const [method, setMethod] = useState<MfaMethod>('totp');
  const [code, setCode] = useState('');
  // Where focus goes after the step changed (the element's id), once it is rendered.
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  const stepHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!focusTarget) return;
    if (focusTarget === 'step-heading') stepHeading.current?.focus();
    else document.getElementById(focusTarget)?.focus();
    setFocusTarget(null);
  }, [focusTarget]);

  let notice: string | null = null;
  if (params.get('activated')) notice = t('login.activated');
  else if (params.get('linked')) notice = t('login.linked');
  else if (params.get('reset')) notice = t('login.resetDone');
  else if (params.get('expired')) notice = t('login.sessionExpired');
  else if (params.get('loggedout')) notice = t('login.loggedOut');

  /** 429: rate limited (this network), or the login is blocked (until when, if known). */
  const tooManyMessage = (err: ApiError): string => {
    if (err.problem.type?.endsWith('/rate-limited')) return t('login.rateLimited');
    const until = blockedUntil(err);
    return until ? t('login.blockedUntil', { time: formatDateTime(until, i18n.language) }) : t('login.blocked');
  };

  const backToPassword = (message: string) => {
    setChallenge(null);
    setCode('');
    setMethod('totp');
    setFieldErrors({});
    setError(message);
    setFocusTarget(PASSWORD_FIELD);
  };

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
      const answer = await login(email.trim(), password);
      if (answer) {
        // The password was right; the app's code (or a recovery code) comes next.
        setChallenge(answer);
        setMethod(firstMethod(answer.methods, canPasskey));
        setPassword('');
        setCode('');
        setFocusTarget('step-heading');
        return;
      }
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.status === 401) setError(t('login.invalid'));
      // The server parses the address more strictly than the form (a domain needs a dot).
      else if (err instanceof ApiError && err.status === 400 && err.fieldErrors().email)
        setFieldErrors({ email: t('validation.email') });
      else if (err instanceof ApiError && err.status === 429) setError(tooManyMessage(err));
      else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  const onSubmitCode = async (e: FormEvent) => {
    e.preventDefault();
    if (!challenge) return;
    setError(null);
    let answer: SecondFactorAnswer;
    if (method === 'totp') {
      const digits = normaliseTotpCode(code);
      if (!digits) {
        setFieldErrors({ code: t(code.trim() ? 'login.mfa.codeInvalid' : 'validation.required') });
        return;
      }
      answer = { code: digits };
    } else {
      const recovery = normaliseRecoveryCode(code);
      if (!recovery) {
        setFieldErrors({ code: t('validation.required') });
        return;
      }
      answer = { recovery_code: recovery };
    }
    setFieldErrors({});
    setBusy(true);
    try {
      await completeMfa(challenge.mfa_token, answer);
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setCode('');
      if (err instanceof ApiError && err.status === 401) {
        // The mfa_token is past its 5 minutes, or its login was completed already: only the
        // password starts a new one. Any other 401 (`/problems/invalid-second-factor`) is a
        // wrong code, and the mfa_token still holds for the next try.
        if (err.problem.type?.endsWith(MFA_TOKEN_EXPIRED)) backToPassword(t('login.mfa.expired'));
        else {
          setFieldErrors({ code: t(method === 'totp' ? 'login.mfa.wrongCode' : 'login.mfa.wrongRecoveryCode') });
          setFocusTarget(method === 'totp' ? CODE_FIELD : RECOVERY_FIELD);
        }
      } else if (err instanceof ApiError && err.status === 400) {
        setFieldErrors({ code: t(method === 'totp' ? 'login.mfa.wrongCode' : 'login.mfa.wrongRecoveryCode') });
        setFocusTarget(method === 'totp' ? CODE_FIELD : RECOVERY_FIELD);
      } else if (err instanceof ApiError && err.status === 429) {
        // Blocked: this challenge is of no more use.
        backToPassword(tooManyMessage(err));
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  /**
   * A passkey: the second step of this challenge (`mfaToken`), or a login on its own. The
   * browser's dialog does the rest; a refusal or a closed dialog keeps the step for another try.
   */
  const onPasskey = async (mfaToken?: string) => {
    setError(null);
    setFieldErrors({});
    setBusy(true);
    try {
      await loginWithPasskey(mfaToken);
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      const browserProblem = passkeyProblem(err);
      if (browserProblem) setError(t(passkeyProblemKey(browserProblem, 'use')));
      else if (err instanceof ApiError && err.status === 401) {
        // The mfa_token (or the ceremony: both last 5 minutes) is no longer valid: start over.
        // Otherwise (`/problems/invalid-second-factor`) the passkey was not accepted.
        if (err.problem.type?.endsWith(MFA_TOKEN_EXPIRED)) {
          if (mfaToken) backToPassword(t('login.mfa.expired'));
          else setError(t('login.passkey.expired'));
        } else setError(t(mfaToken ? 'login.mfa.passkeyRefused' : 'login.passkey.refused'));
      } else if (err instanceof ApiError && err.status === 429) {
        if (mfaToken) backToPassword(tooManyMessage(err));
        else setError(tooManyMessage(err));
      } else if (err instanceof ApiError && err.status === 409) setError(t('passkey.errors.unavailable'));
      else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  const switchMethod = (next: MfaMethod) => {
    setMethod(next);
    setCode('');
    setFieldErrors({});
    setError(null);
    setFocusTarget(fieldOf(next));
    // Choosing the passkey is choosing to use it now.
    if (next === 'passkey' && challenge) void onPasskey(challenge.mfa_token);
  };

  const offered = (m: MfaMethod) =>
    (challenge?.methods.includes(m) ?? false) && (m !== 'passkey' || canPasskey);
  /** The other ways to do the second step, each with its button's text. */
  const alternatives = (
    [
      ['passkey', 'login.mfa.usePasskey'],
      ['totp', 'login.mfa.useApp'],
      ['recovery_code', 'login.mfa.useRecovery'],
    ] as const
  ).filter(([m]) => m !== method && offered(m));

  return (
    <div className="narrow">
      <PageHeading title={t('login.title')}>{t('login.title')}</PageHeading>
      {challenge ? null : <p>{t('login.intro')}</p>}
      {notice && !challenge ? <Alert kind="success">{notice}</Alert> : null}
      <Alert kind="error">{error}</Alert>
      {challenge ? (
        <form
          onSubmit={(e) => {
            if (method !== 'passkey') return void onSubmitCode(e);
            e.preventDefault();
            if (!busy) void onPasskey(challenge.mfa_token);
          }}
          noValidate
          className="form"
          key={`mfa-${method}`}
        >
          <h2 ref={stepHeading} tabIndex={-1} className="step-heading">
            {t('login.mfa.title')}
          </h2>
          {method === 'passkey' ? (
            <p>{t('login.mfa.passkeyIntro')}</p>
          ) : method === 'totp' ? (
            <>
              <p>{t('login.mfa.intro')}</p>
              <CodeField
                id={CODE_FIELD}
                label={t('login.mfa.codeLabel')}
                hint={t('login.mfa.codeHint')}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                error={fieldErrors.code}
                required
              />
            </>
          ) : (
            <>
              <p>{t('login.mfa.recoveryIntro')}</p>
              <RecoveryCodeField
                id={RECOVERY_FIELD}
                label={t('login.mfa.recoveryLabel')}
                hint={t('login.mfa.recoveryHint')}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                error={fieldErrors.code}
                required
              />
            </>
          )}
          <div className="button-row">
            {method === 'passkey' ? (
              // Not `disabled` while busy: focus moves here when the passkey is chosen and its dialog opens.
              <button id={PASSKEY_BUTTON} type="submit" className="button button--primary" aria-disabled={busy}>
                {busy ? t('login.mfa.passkeyBusy') : t('login.mfa.usePasskey')}
              </button>
            ) : (
              <button type="submit" className="button button--primary" disabled={busy} aria-disabled={busy}>
                {busy ? t('login.mfa.submitting') : t('login.mfa.submit')}
              </button>
            )}
            <button type="button" className="button button--secondary" onClick={() => backToPassword('')}>
              {t('login.mfa.cancel')}
            </button>
          </div>
          {alternatives.length > 0 ? (
            <ul className="switch-method link-list">
              {alternatives.map(([m, label]) => (
                <li key={m}>
                  <button
                    type="button"
                    className="button button--link button--inline"
                    disabled={busy}
                    onClick={() => switchMethod(m)}
                  >
                    {t(label)}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </form>
      ) : (
        <form onSubmit={(e) => void onSubmit(e)} noValidate className="form" key="password">
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
            id={PASSWORD_FIELD}
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
      )}
      {!challenge && canPasskey ? (
        <div className="passkey-login">
          <p className="passkey-login__or">{t('login.passkey.or')}</p>
          <button
            type="button"
            className="button button--secondary"
            aria-disabled={busy}
            aria-describedby="passkey-login-hint"
            onClick={() => {
              // Not `disabled` while busy: focus stays here while the browser's dialog is open.
              if (!busy) void onPasskey();
            }}
          >
            {t('login.passkey.submit')}
          </button>
          <p id="passkey-login-hint" className="field__hint passkey-login__hint">
            {t('login.passkey.hint')}
          </p>
        </div>
      ) : null}
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
