import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { queryKeys } from '../api/queries';
import type { Passkey, Security } from '../api/types';
import { Alert } from '../components/Alert';
import { TextField } from '../components/Field';
import { RecoveryCodeList } from '../components/RecoveryCodes';
import { isStepUpRequired, StepUpForm } from '../components/StepUp';
import { formatDateTime } from '../lib/dates';
import { errorMessage } from '../lib/errors';
import { createPasskey, passkeyProblem, passkeyProblemKey } from '../lib/passkey';

/** The API's limit on a passkey's name. */
const NAME_MAX = 60;

/** GET /me/passkeys (oldest first). */
function usePasskeys() {
  return useQuery({
    queryKey: queryKeys.passkeys,
    queryFn: async () => unwrap(await api.GET('/api/v1/me/passkeys')).items,
  });
}

/**
 * Makes a passkey on this device: `register/start`, the browser's dialog, `register/finish`.
 * Resolves to the answer of `finish` (with ten recovery codes when it is the first second factor).
 */
export async function registerPasskey(name: string) {
  const ceremony = unwrap(await api.POST('/api/v1/me/passkeys/register/start'));
  const credential = await createPasskey(ceremony);
  const trimmed = name.trim();
  return unwrap(
    await api.POST('/api/v1/me/passkeys/register/finish', {
      body: { ceremony_id: ceremony.ceremony_id, credential, ...(trimmed ? { name: trimmed } : {}) },
    }),
  );
}

/** A user-facing message for a failed registration (the browser's part or the API's). */
export function registrationErrorMessage(err: unknown, t: ReturnType<typeof useTranslation>['t']): string {
  const browserProblem = passkeyProblem(err);
  if (browserProblem) return t(passkeyProblemKey(browserProblem, 'create'));
  // 409: ten passkeys already, or a server whose address is an IP address.
  if (err instanceof ApiError && err.status === 409) return t('passkey.errors.conflict');
  // 404: the ceremony is gone (more than 5 minutes) — 400: the browser's answer did not check out.
  if (err instanceof ApiError && err.status === 404) return t('passkey.errors.expired');
  if (err instanceof ApiError && err.status === 400) {
    if (err.fieldErrors().name) return t('passkey.errors.name');
    return t('passkey.errors.refused');
  }
  return errorMessage(err, t);
}

/** "Add a passkey": an optional name, then the browser's dialog. */
function AddPasskey({ onAdded }: { onAdded: (passkey: Passkey, codes: string[] | null) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    setNameError(null);
    if (name.trim().length > NAME_MAX) {
      setNameError(t('passkey.errors.name'));
      document.getElementById('passkey-name')?.focus();
      return;
    }
    setBusy(true);
    try {
      const added = await registerPasskey(name);
      setName('');
      onAdded(added.passkey, added.recovery_codes ?? null);
    } catch (err) {
      setError(registrationErrorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate className="form passkey-add">
      <Alert kind="error">{error}</Alert>
      <TextField
        id="passkey-name"
        label={t('passkey.nameLabel')}
        hint={t('passkey.nameHint')}
        optional
        maxLength={NAME_MAX}
        autoComplete="off"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={nameError}
      />
      <button type="submit" className="button button--secondary" aria-disabled={busy}>
        {busy ? t('passkey.adding') : t('passkey.add')}
      </button>
    </form>
  );
}

type Notice = { kind: 'added' | 'removed' | 'removedLast'; name: string } | null;

/**
 * Profile, "Beveiliging" → passkeys: the list (name, added, last used), adding one on this
 * device and removing one. Removing asks "confirm it is you" when the session's last login or
 * confirmation is more than five minutes ago (403 step-up-required), then repeats the removal.
 */
export function PasskeysSection({ security, email, canAdd }: { security: Security; email: string; canAdd: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const passkeys = usePasskeys();
  const [notice, setNotice] = useState<Notice>(null);
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  // The passkey whose removal waits for "confirm it is you".
  const [confirming, setConfirming] = useState<Passkey | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const codesHeading = useRef<HTMLHeadingElement>(null);
  // The employer requires two-step login and this passkey is the only second factor left.
  const lastFactor = security.mfa_required && !security.totp_enabled && security.passkeys <= 1;

  useEffect(() => {
    if (codes) codesHeading.current?.focus();
  }, [codes]);

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.passkeys }),
      queryClient.invalidateQueries({ queryKey: queryKeys.me, exact: true }),
    ]);
  };

  const onAdded = (passkey: Passkey, newCodes: string[] | null) => {
    setError(null);
    setNotice({ kind: 'added', name: passkey.name });
    if (newCodes && newCodes.length > 0) setCodes(newCodes);
    void refresh();
  };

  const remove = async (passkey: Passkey) => {
    unwrap(await api.DELETE('/api/v1/me/passkeys/{id}', { params: { path: { id: passkey.id } } }));
  };

  const removed = async (passkey: Passkey) => {
    setConfirming(null);
    setNotice({ kind: lastFactor ? 'removedLast' : 'removed', name: passkey.name });
    await refresh();
    // Its row (and button) is gone: focus goes to the heading, not back to the page.
    heading.current?.focus();
  };

  const onRemove = async (passkey: Passkey) => {
    setError(null);
    setNotice(null);
    setRemoving(passkey.id);
    try {
      await remove(passkey);
      await removed(passkey);
    } catch (err) {
      if (isStepUpRequired(err)) setConfirming(passkey);
      else if (err instanceof ApiError && err.status === 404) {
        // Removed meanwhile (another device): the list catches up.
        await refresh();
      } else setError(errorMessage(err, t));
    } finally {
      setRemoving(null);
    }
  };

  /** Confirmed: the removal again (within the five minutes the confirmation holds). */
  const onConfirmed = async () => {
    const passkey = confirming;
    if (!passkey) return;
    try {
      await remove(passkey);
      await removed(passkey);
    } catch (err) {
      setConfirming(null);
      if (err instanceof ApiError && err.status === 404) await refresh();
      else setError(errorMessage(err, t));
    }
  };

  const onCancel = () => {
    const id = confirming?.id;
    setConfirming(null);
    if (id) setTimeout(() => document.getElementById(`remove-passkey-${id}`)?.focus(), 0);
  };

  const items = passkeys.data ?? [];

  return (
    <div className="security-part passkeys">
      <h3 id="passkeys-title" ref={heading} tabIndex={-1} className="step-heading">
        {t('passkey.title')}
      </h3>
      <p>{t('passkey.intro')}</p>
      <Alert kind="success">
        {notice?.kind === 'added'
          ? t('passkey.added', { name: notice.name })
          : notice?.kind === 'removed'
            ? t('passkey.removed', { name: notice.name })
            : notice?.kind === 'removedLast'
              ? t('passkey.removedLast', { name: notice.name })
              : null}
      </Alert>
      <Alert kind="error">{error ?? (passkeys.isError ? errorMessage(passkeys.error, t) : null)}</Alert>

      {codes ? (
        <div className="security-action">
          <h4 ref={codesHeading} tabIndex={-1} className="step-heading">
            {t('security.codes.title')}
          </h4>
          <p>{t('passkey.codesIntro')}</p>
          <p>
            <strong>{t('security.codes.once')}</strong>
          </p>
          <RecoveryCodeList codes={codes} />
          <button type="button" className="button button--primary" onClick={() => setCodes(null)}>
            {t('security.profile.newCodesDone')}
          </button>
        </div>
      ) : null}

      {passkeys.isPending ? <p role="status">{t('app.loading')}</p> : null}
      {passkeys.isSuccess && items.length === 0 ? <p>{t('passkey.none')}</p> : null}
      {items.length > 0 ? (
        <ul className="passkey-list" aria-label={t('passkey.listLabel')}>
          {items.map((p) => (
            <li key={p.id} className="passkey-list__item">
              <p className="passkey-list__name">{p.name}</p>
              <dl className="meta">
                <div>
                  <dt>{t('passkey.createdAt')}</dt>
                  <dd>{formatDateTime(p.created_at, lang)}</dd>
                </div>
                <div>
                  <dt>{t('passkey.lastUsedAt')}</dt>
                  <dd>{p.last_used_at ? formatDateTime(p.last_used_at, lang) : t('passkey.neverUsed')}</dd>
                </div>
              </dl>
              {confirming?.id === p.id ? (
                <StepUpForm
                  idPrefix={`step-up-${p.id}`}
                  email={email}
                  security={security}
                  reason={t('passkey.stepUpReason', { name: p.name })}
                  headingLevel={4}
                  onConfirmed={onConfirmed}
                  onCancel={onCancel}
                />
              ) : (
                <>
                  {lastFactor ? <p className="field__hint">{t('passkey.removeLast')}</p> : null}
                  <button
                    type="button"
                    id={`remove-passkey-${p.id}`}
                    className="button button--warning"
                    aria-label={t('passkey.removeNamed', { name: p.name })}
                    aria-disabled={removing === p.id}
                    onClick={() => removing === null && void onRemove(p)}
                  >
                    {removing === p.id ? t('passkey.removing') : t('passkey.remove')}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}

      {canAdd && !codes ? <AddPasskey onAdded={onAdded} /> : null}
    </div>
  );
}
