import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { mergeMe, useMe } from '../api/queries';
import type { Language, MePatch } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/Alert';
import { SelectField, TextField } from '../components/Field';
import { PageHeading } from '../components/PageHeading';
import { PasswordFields } from '../components/PasswordFields';
import { EmploymentList } from '../components/EmploymentSwitch';
import { formatDate } from '../lib/dates';
import { errorMessage, passwordServerMessage } from '../lib/errors';
import { passwordIsValid } from '../lib/password';
import { AccessLogSection } from './ProfileAccessLog';
import { SecuritySection } from './ProfileSecurity';

function ChangePassword({ email }: { email: string }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [currentError, setCurrentError] = useState<string | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setDone(false);
    setError(null);
    setServerError(null);
    setCurrentError(current ? null : t('validation.required'));
    if (!current || !passwordIsValid(password, confirmation, email)) return;
    setBusy(true);
    try {
      unwrap(
        await api.PUT('/api/v1/me/password', { body: { current_password: current, new_password: password } }),
      );
      setDone(true);
      setSubmitted(false);
      setCurrent('');
      setPassword('');
      setConfirmation('');
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) setCurrentError(t('profile.wrongCurrent'));
      else if (err instanceof ApiError && err.status === 400) {
        const fe = err.fieldErrors();
        if (fe.current_password) setCurrentError(t('profile.wrongCurrent'));
        if (fe.new_password) setServerError(passwordServerMessage(fe.new_password, t));
        if (!fe.current_password && !fe.new_password) setError(errorMessage(err, t));
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="password-title" className="section">
      <h2 id="password-title">{t('profile.passwordTitle')}</h2>
      <Alert kind="success">{done ? t('profile.passwordChanged') : null}</Alert>
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
        <input type="email" className="visually-hidden" autoComplete="username" value={email} readOnly tabIndex={-1} aria-hidden="true" />
        <TextField
          label={t('fields.currentPassword')}
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={currentError}
          required
        />
        <PasswordFields
          password={password}
          confirmation={confirmation}
          onPassword={(v) => {
            setPassword(v);
            setServerError(null);
          }}
          onConfirmation={setConfirmation}
          email={email}
          submitted={submitted}
          serverError={serverError}
        />
        <button type="submit" className="button button--primary" disabled={busy}>
          {t('profile.passwordSubmit')}
        </button>
      </form>
    </section>
  );
}

export function ProfilePage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const me = useMe();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const { logout, logoutAll } = useAuth();
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const update = async (patch: MePatch) => {
    setSaved(false);
    setError(null);
    setSaving(true);
    try {
      const data = unwrap(await api.PATCH('/api/v1/me', { body: patch }));
      mergeMe(queryClient, data);
      if (patch.language) await i18n.changeLanguage(patch.language);
      setSaved(true);
    } catch (err) {
      setError(errorMessage(err, t));
    } finally {
      setSaving(false);
    }
  };

  const onLogout = () => logout();
  const onLogoutAll = async () => {
    setError(null);
    try {
      await logoutAll();
    } catch (err) {
      setError(errorMessage(err, t));
    }
  };

  if (me.isPending) return <p role="status">{t('app.loading')}</p>;
  if (me.isError) return <Alert kind="error">{errorMessage(me.error, t)}</Alert>;
  const m = me.data;
  const employments = m.employments;

  return (
    <>
      <PageHeading title={t('profile.title')}>{t('profile.title')}</PageHeading>

      <section aria-labelledby="data-title" className="section">
        <h2 id="data-title">{t('profile.dataTitle')}</h2>
        <p className="callout callout--plain">{t('profile.dataNote')}</p>
        <dl className="data-list">
          <div>
            <dt>{t('profile.name')}</dt>
            <dd>
              {m.first_name} {m.last_name}
            </dd>
          </div>
          <div>
            <dt>{t('fields.email')}</dt>
            <dd className="break">{m.email}</dd>
          </div>
          <div>
            <dt>{t('fields.dateOfBirth')}</dt>
            <dd>{formatDate(m.date_of_birth, lang)}</dd>
          </div>
          {m.employer_name ? (
            <div>
              <dt>{t('profile.employer')}</dt>
              <dd>{m.employer_name}</dd>
            </div>
          ) : null}
          {m.external_id ? (
            <div>
              <dt>{t('profile.employeeNumber')}</dt>
              <dd>{m.external_id}</dd>
            </div>
          ) : null}
        </dl>
      </section>

      {employments.length > 1 ? (
        <section aria-labelledby="employments-title" className="section">
          <h2 id="employments-title">{t('employments.title')}</h2>
          <p>{t('employments.intro')}</p>
          <EmploymentList employments={employments} currentId={m.id} />
        </section>
      ) : null}

      <section aria-labelledby="settings-title" className="section">
        <h2 id="settings-title">{t('profile.settingsTitle')}</h2>
        <Alert kind="success">{saved ? t('profile.saved') : null}</Alert>
        <Alert kind="error">{error}</Alert>
        <SelectField
          label={t('profile.language')}
          value={m.language}
          disabled={saving}
          onChange={(e) => void update({ language: e.target.value as Language })}
        >
          <option value="nl" lang="nl">
            {t('profile.languages.nl')}
          </option>
          <option value="en" lang="en">
            {t('profile.languages.en')}
          </option>
        </SelectField>
        <div className="checkbox">
          <input
            type="checkbox"
            id="notify"
            checked={m.notify_new_documents}
            disabled={saving}
            aria-describedby="notify-hint"
            onChange={(e) => void update({ notify_new_documents: e.target.checked })}
          />
          <label htmlFor="notify">{t('profile.notify')}</label>
          <p id="notify-hint" className="field__hint">
            {t('profile.notifyHint')}
          </p>
        </div>
      </section>

      <SecuritySection security={m.security} email={m.email} justEnabled={params.get('security') === 'enabled'} />

      <ChangePassword email={m.email} />

      <section aria-labelledby="sessions-title" className="section">
        <h2 id="sessions-title">{t('profile.sessionsTitle')}</h2>
        <p>{t('profile.sessionsIntro')}</p>
        <div className="button-row">
          <button type="button" className="button button--secondary" onClick={() => void onLogout()}>
            {t('profile.logout')}
          </button>
          <button type="button" className="button button--warning" onClick={() => void onLogoutAll()}>
            {t('profile.logoutAll')}
          </button>
        </div>
      </section>

      {/* Last: the list can be long, and the settings above stay within reach. */}
      <AccessLogSection />
    </>
  );
}
