import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/problem';
import type { MfaMethod, SecondFactorAnswer } from '../api/types';
import { errorMessage } from '../lib/errors';
import { readSecondFactor } from '../lib/secondFactor';
import { Alert } from './Alert';
import { CodeField, RecoveryCodeField, TextField } from './Field';

/** What the form sends: the password and the app's code, or (phone lost) a recovery code. */
export type PasswordAndSecondFactorBody = { password: string } & SecondFactorAnswer;

export interface PasswordAndSecondFactorFormProps<T> {
  /** Prefix of the fields' ids (unique on the page: both profile forms can be open at once). */
  idPrefix: string;
  /** The login's e-mail address, for password managers. */
  email: string;
  submitLabel: string;
  submitClassName: string;
  /** The API call. Its 400 field errors (`password`, `code`, `recovery_code`) and a 403 are shown at the fields. */
  send: (body: PasswordAndSecondFactorBody) => Promise<T>;
  /** After `send` succeeded (the fields are emptied first). */
  onSent: (result: T) => void | Promise<void>;
  /** The login has an authenticator app (default): without one, only a recovery code goes with the password. */
  appEnabled?: boolean;
}

/** A hidden user name next to a password field, so that password managers fill the right login. */
function UserName({ email }: { email: string }) {
  return (
    <input type="email" className="visually-hidden" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
  );
}

/**
 * A form that confirms a security change with the password and a current code of the app — or,
 * with the phone lost, a recovery code instead (as the login's second step offers). Checks the
 * fields before sending, says at the right field what the server refused, and moves focus there.
 */
export function PasswordAndSecondFactorForm<T>({
  idPrefix,
  email,
  submitLabel,
  submitClassName,
  send,
  onSent,
  appEnabled = true,
}: PasswordAndSecondFactorFormProps<T>) {
  const { t } = useTranslation();
  const [method, setMethod] = useState<MfaMethod>(appEnabled ? 'totp' : 'recovery_code');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ password?: string; code?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Where focus goes once the form has re-rendered (an element's id).
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  const passwordField = `${idPrefix}-password`;
  const factorFieldOf = (m: MfaMethod) => (m === 'totp' ? `${idPrefix}-code` : `${idPrefix}-recovery-code`);
  const factorField = factorFieldOf(method);

  useEffect(() => {
    if (!focusTarget) return;
    document.getElementById(focusTarget)?.focus();
    setFocusTarget(null);
  }, [focusTarget]);

  const switchMethod = () => {
    const next: MfaMethod = method === 'totp' ? 'recovery_code' : 'totp';
    setMethod(next);
    setCode('');
    setFieldErrors((fe) => ({ password: fe.password }));
    setError(null);
    setFocusTarget(factorFieldOf(next));
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const fe: typeof fieldErrors = {};
    if (!password) fe.password = t('validation.required');
    const answer = readSecondFactor(method, code);
    if (answer === 'required') fe.code = t('validation.required');
    else if (answer === 'invalid') fe.code = t('login.mfa.codeInvalid');
    setFieldErrors(fe);
    if (fe.password || typeof answer === 'string') {
      setFocusTarget(fe.password ? passwordField : factorField);
      return;
    }
    setBusy(true);
    try {
      const result = await send({ password, ...answer });
      setPassword('');
      setCode('');
      await onSent(result);
    } catch (err) {
      // A code of the app is good for 30 seconds only: ask for the current one. A recovery code
      // stays unless the server refused it (it checks the password first).
      if (method === 'totp') setCode('');
      const server = err instanceof ApiError && err.status === 400 ? err.fieldErrors() : {};
      const wrongPassword = 'password' in server;
      // The field the server names is the one sent (`code` or `recovery_code`); `code` also
      // when none was.
      const wrongFactor = 'code' in server || 'recovery_code' in server;
      if (wrongPassword || wrongFactor) {
        if (wrongPassword) setPassword('');
        if (wrongFactor) setCode('');
        setFieldErrors({
          password: wrongPassword ? t('security.profile.wrongPassword') : undefined,
          code: wrongFactor ? t(method === 'totp' ? 'login.mfa.wrongCode' : 'login.mfa.wrongRecoveryCode') : undefined,
        });
        setFocusTarget(wrongPassword ? passwordField : factorField);
      } else if (err instanceof ApiError && err.status === 403) {
        setPassword('');
        setFieldErrors({ password: t('security.profile.wrongPassword') });
        setFocusTarget(passwordField);
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
        <UserName email={email} />
        <TextField
          id={passwordField}
          label={t('fields.currentPassword')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fieldErrors.password}
          required
        />
        {method === 'totp' ? (
          <CodeField
            id={factorField}
            label={t('login.mfa.codeLabel')}
            hint={t('login.mfa.codeHint')}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={fieldErrors.code}
            required
          />
        ) : (
          <RecoveryCodeField
            id={factorField}
            label={t('login.mfa.recoveryLabel')}
            hint={t('security.profile.recoveryHint')}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={fieldErrors.code}
            required
          />
        )}
        {appEnabled ? (
          <p className="switch-method">
            <button type="button" className="button button--link button--inline" onClick={switchMethod}>
              {method === 'totp' ? t('security.profile.useRecovery') : t('login.mfa.useApp')}
            </button>
          </p>
        ) : null}
        <button type="submit" className={submitClassName} disabled={busy}>
          {submitLabel}
        </button>
      </form>
    </>
  );
}
