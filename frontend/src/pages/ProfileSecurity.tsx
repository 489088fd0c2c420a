import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { mfaApi, normaliseTotpCode, type Security } from '../api/mfa';
import { ApiError, unwrap } from '../api/problem';
import { queryKeys } from '../api/queries';
import { Alert } from '../components/Alert';
import { TextField } from '../components/Field';
import { RecoveryCodeList } from '../components/RecoveryCodes';
import { errorMessage } from '../lib/errors';

/** Fewer recovery codes than this: suggest a new set. */
const FEW_CODES = 3;

/** A hidden user name next to a password field, so that password managers fill the right login. */
function UserName({ email }: { email: string }) {
  return (
    <input type="email" className="visually-hidden" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
  );
}

/** "New recovery codes": asks the password, then shows the new set once. */
function NewRecoveryCodes({ email }: { email: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const [passwordError, setPasswordError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const codesHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (codes) codesHeading.current?.focus();
  }, [codes]);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!password) {
      setPasswordError(t('validation.required'));
      return;
    }
    setPasswordError(null);
    setBusy(true);
    try {
      const data = unwrap(await mfaApi.POST('/api/v1/me/mfa/recovery-codes', { body: { password } }));
      setCodes(data.recovery_codes);
      setPassword('');
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && (err.status === 403 || (err.status === 400 && err.fieldErrors().password)))
        setPasswordError(t('security.profile.wrongPassword'));
      else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (codes) {
    return (
      <div className="security-action">
        <h3 ref={codesHeading} tabIndex={-1} className="step-heading">
          {t('security.profile.newCodesTitle')}
        </h3>
        <p>{t('security.profile.newCodesIntro')}</p>
        <p>
          <strong>{t('security.codes.once')}</strong>
        </p>
        <RecoveryCodeList codes={codes} />
        <button type="button" className="button button--primary" onClick={() => setCodes(null)}>
          {t('security.profile.newCodesDone')}
        </button>
      </div>
    );
  }

  return (
    <details className="disclosure">
      <summary className="disclosure__summary">{t('security.profile.newCodes')}</summary>
      <div className="disclosure__body">
        <p>{t('security.profile.newCodesText')}</p>
        <Alert kind="error">{error}</Alert>
        <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
          <UserName email={email} />
          <TextField
            label={t('fields.currentPassword')}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={passwordError}
            required
          />
          <button type="submit" className="button button--secondary" disabled={busy}>
            {t('security.profile.newCodesSubmit')}
          </button>
        </form>
      </div>
    </details>
  );
}

/** "Remove authenticator app": asks the password and a current code. */
function RemoveAuthenticator({ email, required, onRemoved }: { email: string; required: boolean; onRemoved: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ password?: string; code?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const digits = normaliseTotpCode(code);
    const fe: typeof fieldErrors = {};
    if (!password) fe.password = t('validation.required');
    if (!digits) fe.code = t(code.trim() ? 'login.mfa.codeInvalid' : 'validation.required');
    setFieldErrors(fe);
    if (fe.password || fe.code || !digits) return;
    setBusy(true);
    try {
      unwrap(await mfaApi.DELETE('/api/v1/me/mfa/totp', { body: { password, code: digits } }));
      setPassword('');
      setCode('');
      onRemoved();
      await queryClient.invalidateQueries({ queryKey: queryKeys.me });
    } catch (err) {
      setCode('');
      if (err instanceof ApiError && err.status === 400 && (err.fieldErrors().password || err.fieldErrors().code)) {
        const server = err.fieldErrors();
        setFieldErrors({
          password: server.password ? t('security.profile.wrongPassword') : undefined,
          code: server.code ? t('login.mfa.wrongCode') : undefined,
        });
        if (server.password) setPassword('');
      } else if (err instanceof ApiError && err.status === 403) {
        setPassword('');
        setFieldErrors({ password: t('security.profile.wrongPassword') });
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="disclosure">
      <summary className="disclosure__summary">{t('security.profile.remove')}</summary>
      <div className="disclosure__body">
        <p>{t('security.profile.removeText')}</p>
        {required ? <Alert kind="warning">{t('security.profile.removeRequired')}</Alert> : null}
        <Alert kind="error">{error}</Alert>
        <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
          <UserName email={email} />
          <TextField
            label={t('fields.currentPassword')}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldErrors.password}
            required
          />
          <TextField
            label={t('login.mfa.codeLabel')}
            hint={t('login.mfa.codeHint')}
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]*"
            autoCapitalize="none"
            spellCheck={false}
            className="input--code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={fieldErrors.code}
            required
          />
          <button type="submit" className="button button--warning" disabled={busy}>
            {t('security.profile.removeSubmit')}
          </button>
        </form>
      </div>
    </details>
  );
}

/** Profile: "Beveiliging" — two-step login on or off, recovery codes, the authenticator app. */
export function SecuritySection({ security, email, justEnabled }: { security: Security; email: string; justEnabled: boolean }) {
  const { t } = useTranslation();
  const [removed, setRemoved] = useState(false);
  const on = security.totp_enabled;

  return (
    <section aria-labelledby="security-title" className="section">
      <h2 id="security-title">{t('security.profile.title')}</h2>
      <Alert kind="success">
        {removed
          ? t(security.mfa_required ? 'security.profile.removedRequired' : 'security.profile.removed')
          : justEnabled && on
            ? t('security.profile.enabled')
            : null}
      </Alert>
      <dl className="data-list">
        <div>
          <dt>{t('security.profile.twoStep')}</dt>
          <dd>{on ? t('security.profile.on') : t('security.profile.off')}</dd>
        </div>
        {on ? (
          <div>
            <dt>{t('security.profile.codesLeft')}</dt>
            <dd>{security.recovery_codes_left}</dd>
          </div>
        ) : null}
      </dl>
      {security.mfa_required ? <p className="field__hint">{t('security.profile.requiredByEmployer')}</p> : null}
      {on && security.recovery_codes_left < FEW_CODES ? (
        <Alert kind="warning">{t('security.profile.fewCodes', { count: security.recovery_codes_left })}</Alert>
      ) : null}
      {on ? (
        <>
          <NewRecoveryCodes email={email} />
          <RemoveAuthenticator email={email} required={security.mfa_required} onRemoved={() => setRemoved(true)} />
        </>
      ) : (
        <>
          <p>{t('security.profile.offText')}</p>
          <p>
            <Link to="/security/setup" className="button button--primary">
              {t('security.profile.setUp')}
            </Link>
          </p>
        </>
      )}
    </section>
  );
}
