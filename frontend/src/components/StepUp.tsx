import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { ApiError, blockedUntil, unwrap } from '../api/problem';
import type { Security, StepUpProof } from '../api/types';
import { formatDateTime } from '../lib/dates';
import { errorMessage } from '../lib/errors';
import { getPasskey, passkeyProblem, passkeyProblemKey, passkeysSupported } from '../lib/passkey';
import { readSecondFactor } from '../lib/secondFactor';
import { Alert } from './Alert';
import { CodeField, RecoveryCodeField, TextField } from './Field';

/** The problem type of a change that wants a recent confirmation (SPEC §8 step-up). */
const STEP_UP_REQUIRED = '/problems/step-up-required';

/** A 403 that asks "confirm it is you" first: show a StepUpForm, then repeat the request. */
export function isStepUpRequired(e: unknown): boolean {
  return e instanceof ApiError && e.status === 403 && (e.problem.type ?? '').endsWith(STEP_UP_REQUIRED);
}

/** The ways to confirm: the password, or one of the person's second factors. */
export type StepUpMethod = 'password' | 'passkey' | 'totp' | 'recovery_code';

/** The ways this person can confirm with, in the order the form offers them. */
export function stepUpMethods(security: Security, passkeys = passkeysSupported()): StepUpMethod[] {
  const methods: StepUpMethod[] = ['password'];
  if (passkeys && security.passkeys > 0) methods.push('passkey');
  if (security.totp_enabled) methods.push('totp');
  if (security.recovery_codes_left > 0) methods.push('recovery_code');
  return methods;
}

const METHOD_LABEL: Record<StepUpMethod, string> = {
  password: 'stepUp.methods.password',
  passkey: 'stepUp.methods.passkey',
  totp: 'stepUp.methods.totp',
  recovery_code: 'stepUp.methods.recovery_code',
};

export interface StepUpFormProps {
  /** Prefix of the ids (unique on the page). */
  idPrefix: string;
  /** The login's e-mail address, for password managers. */
  email: string;
  /** GET /me's `security`: which factors there are to confirm with. */
  security: Security;
  /** What is being confirmed, in a sentence ("To remove the passkey …"); a general text when left out. */
  reason?: ReactNode;
  /** The heading's level: 3 inside a section with an h2 (the default), 2 directly under the page's h1. */
  headingLevel?: 2 | 3 | 4;
  /** After the server accepted the confirmation (then repeat the change within five minutes). */
  onConfirmed: () => void | Promise<void>;
  onCancel: () => void;
}

/**
 * "Confirm it is you" (step-up, SPEC §8): a change such as removing a passkey, exporting one's
 * data or answering a document asks the password or a second factor again when the last login
 * or confirmation of this session is more than five minutes ago (403
 * `/problems/step-up-required`). Takes the password, a passkey, the app's code or a recovery
 * code (`POST /me/step-up`, or its passkey ceremony); the caller then repeats its request.
 * Focus goes to the heading when the form appears.
 */
export function StepUpForm({ idPrefix, email, security, reason, headingLevel = 3, onConfirmed, onCancel }: StepUpFormProps) {
  const { t, i18n } = useTranslation();
  const [methods] = useState(() => stepUpMethods(security));
  const [method, setMethod] = useState<StepUpMethod>('password');
  const [value, setValue] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const auto = useId();
  const titleId = `${idPrefix}-title`;
  const fieldId = `${idPrefix}-${method}`;
  const radioName = `${idPrefix}-method${auto}`;
  const Heading = (['h2', 'h3', 'h4'] as const)[headingLevel - 2];

  useEffect(() => {
    heading.current?.focus();
  }, []);

  const choose = (next: StepUpMethod) => {
    setMethod(next);
    setValue('');
    setFieldError(null);
    setError(null);
  };

  const focusField = () => {
    // After the re-render that shows the error.
    setTimeout(() => document.getElementById(fieldId)?.focus(), 0);
  };

  /** The proof typed for a method other than the passkey, or the message why it cannot be sent. */
  const proof = (): StepUpProof | string => {
    if (method === 'password') return value ? { password: value } : t('validation.required');
    const answer = readSecondFactor(method === 'totp' ? 'totp' : 'recovery_code', value);
    if (answer === 'required') return t('validation.required');
    if (answer === 'invalid') return t('login.mfa.codeInvalid');
    return answer;
  };

  const wrongMessage = (): string => {
    if (method === 'password') return t('security.profile.wrongPassword');
    if (method === 'totp') return t('login.mfa.wrongCode');
    if (method === 'recovery_code') return t('login.mfa.wrongRecoveryCode');
    return t('stepUp.passkeyRefused');
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    let body: StepUpProof | null = null;
    if (method !== 'passkey') {
      const read = proof();
      if (typeof read === 'string') {
        setFieldError(read);
        focusField();
        return;
      }
      body = read;
    }
    setFieldError(null);
    setBusy(true);
    try {
      if (body) {
        unwrap(await api.POST('/api/v1/me/step-up', { body }));
      } else {
        const ceremony = unwrap(await api.POST('/api/v1/me/step-up/passkey/start'));
        const credential = await getPasskey(ceremony);
        unwrap(
          await api.POST('/api/v1/me/step-up/passkey/finish', {
            body: { ceremony_id: ceremony.ceremony_id, credential },
          }),
        );
      }
      setValue('');
      setBusy(false);
      await onConfirmed();
      return;
    } catch (err) {
      const browserProblem = passkeyProblem(err);
      if (method === 'totp') setValue('');
      if (browserProblem) setError(t(passkeyProblemKey(browserProblem, 'use')));
      else if (err instanceof ApiError && err.status === 400) {
        // A wrong answer is a 400 on the field that was sent (`password`, `code`,
        // `recovery_code`, or the passkey's `credential`).
        if (method === 'passkey') setError(wrongMessage());
        else {
          setValue('');
          setFieldError(wrongMessage());
          focusField();
        }
      } else if (err instanceof ApiError && err.status === 404 && method === 'passkey') {
        // The ceremony expired (5 minutes) or there is no passkey any more.
        setError(t('stepUp.passkeyExpired'));
      } else if (err instanceof ApiError && err.status === 429) {
        const until = blockedUntil(err);
        setError(
          until && !err.problem.type?.endsWith('/rate-limited')
            ? t('stepUp.blockedUntil', { time: formatDateTime(until, i18n.language) })
            : t('common.tooManyRequests'),
        );
      } else setError(errorMessage(err, t));
    }
    setBusy(false);
  };

  const field = (() => {
    switch (method) {
      case 'password':
        return (
          <>
            <input
              type="email"
              className="visually-hidden"
              autoComplete="username"
              value={email}
              readOnly
              tabIndex={-1}
              aria-hidden="true"
            />
            <TextField
              id={fieldId}
              label={t('fields.password')}
              type="password"
              autoComplete="current-password"
              value={value}
              onChange={(e) => setValue(e.target.value)}
              error={fieldError}
              required
            />
          </>
        );
      case 'totp':
        return (
          <CodeField
            id={fieldId}
            label={t('login.mfa.codeLabel')}
            hint={t('login.mfa.codeHint')}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            error={fieldError}
            required
          />
        );
      case 'recovery_code':
        return (
          <RecoveryCodeField
            id={fieldId}
            label={t('login.mfa.recoveryLabel')}
            hint={t('security.profile.recoveryHint')}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            error={fieldError}
            required
          />
        );
      default:
        return <p>{t('stepUp.passkeyText')}</p>;
    }
  })();

  return (
    <section className="step-up" aria-labelledby={titleId}>
      <Heading id={titleId} ref={heading} tabIndex={-1} className="step-heading step-up__title">
        {t('stepUp.title')}
      </Heading>
      <p>{reason ?? t('stepUp.intro')}</p>
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
        {methods.length > 1 ? (
          <fieldset className="fieldset">
            <legend className="fieldset__legend">{t('stepUp.how')}</legend>
            <div className="radios">
              {methods.map((m) => (
                <div className="radio" key={m}>
                  <input
                    type="radio"
                    id={`${radioName}-${m}`}
                    name={radioName}
                    checked={method === m}
                    onChange={() => choose(m)}
                  />
                  <label htmlFor={`${radioName}-${m}`}>{t(METHOD_LABEL[m])}</label>
                </div>
              ))}
            </div>
          </fieldset>
        ) : null}
        {field}
        <div className="button-row">
          <button type="submit" className="button button--primary" aria-disabled={busy}>
            {busy
              ? t('stepUp.busy')
              : method === 'passkey'
                ? t('stepUp.submitPasskey')
                : t('stepUp.submit')}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
