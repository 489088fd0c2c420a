import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { toString as qrToSvg } from 'qrcode';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { useMe } from '../api/queries';
import type { TotpEnrolment } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/Alert';
import { CodeField, TextField } from '../components/Field';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { RecoveryCodeList } from '../components/RecoveryCodes';
import { errorMessage } from '../lib/errors';
import { passkeysSupported } from '../lib/passkey';
import { groupSecret, normaliseTotpCode } from '../lib/secondFactor';
import { registerPasskey, registrationErrorMessage } from './ProfilePasskeys';

type Phase =
  | { kind: 'starting' }
  | { kind: 'failed'; message: string }
  | { kind: 'alreadyOn' }
  | { kind: 'enrol'; enrolment: TotpEnrolment }
  | { kind: 'codes'; codes: string[] };

/** How the person chose to do the second step (`?method=`), when there is a choice. */
type Method = 'app' | 'passkey';

/** The otpauth:// URI as a QR code in a data: URL (an SVG; the CSP allows img-src data:). */
async function qrDataUrl(uri: string): Promise<string> {
  const svg = await qrToSvg(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/**
 * After the second factor is confirmed: a refresh turns the token into a full one, then home
 * (the employer required it) or back to the profile.
 */
function useFinish(required: boolean) {
  const navigate = useNavigate();
  const { finishEnrolment } = useAuth();
  return async () => {
    const ok = await finishEnrolment();
    if (ok) navigate(required ? '/' : '/profile?security=enabled', { replace: true });
  };
}

/** The new recovery codes once, a box to tick that they are kept, then "continue". */
function RecoveryCodesStep({ codes, required, done }: { codes: string[]; required: boolean; done: string }) {
  const { t } = useTranslation();
  const finish = useFinish(required);
  const [saved, setSaved] = useState(false);
  const [savedError, setSavedError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codesHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    codesHeading.current?.focus();
  }, []);

  const onContinue = async () => {
    if (!saved) {
      setSavedError(t('security.codes.confirmRequired'));
      document.getElementById('codes-saved')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await finish();
    } catch (err) {
      setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="codes-title">
      <Alert kind="error">{error}</Alert>
      <Alert kind="success">{done}</Alert>
      <h2 id="codes-title" ref={codesHeading} tabIndex={-1} className="step-heading">
        {t('security.codes.title')}
      </h2>
      <p>{t('security.codes.intro')}</p>
      <p>
        <strong>{t('security.codes.once')}</strong>
      </p>
      <RecoveryCodeList codes={codes} />
      <div className={`checkbox${savedError ? ' field--error' : ''}`}>
        <input
          type="checkbox"
          id="codes-saved"
          checked={saved}
          aria-invalid={savedError ? true : undefined}
          aria-describedby={savedError ? 'codes-saved-error' : undefined}
          onChange={(e) => {
            setSaved(e.target.checked);
            if (e.target.checked) setSavedError(null);
          }}
        />
        <label htmlFor="codes-saved">{t('security.codes.saved')}</label>
        <p id="codes-saved-error" className="field__error checkbox__error">
          {savedError}
        </p>
      </div>
      <button type="button" className="button button--primary" disabled={busy} onClick={() => void onContinue()}>
        {t('security.codes.continue')}
      </button>
    </section>
  );
}

/**
 * /security/setup — set up two-step login: a passkey or an authenticator app (where the browser
 * and the server offer passkeys, the page first asks which; `?method=passkey|app` holds the
 * answer, so "back" returns to the choice). Required (the employer's policy) right after the
 * first login, when every other page sends here; otherwise reached from the profile.
 */
export function SecuritySetupPage() {
  const { t } = useTranslation();
  const { enrolmentRequired } = useAuth();
  // Taken at the start: after the confirmation the flag goes, the wording stays.
  const [required] = useState(enrolmentRequired);
  const [params] = useSearchParams();
  const [browserPasskeys] = useState(passkeysSupported);
  // GET /me says whether this server offers passkeys (not on an IP address).
  const me = useMe(browserPasskeys);
  const asked = params.get('method');
  const method: Method | null = asked === 'app' || asked === 'passkey' ? asked : null;
  const title = t('security.setup.title');

  let body;
  if (!browserPasskeys) body = <TotpSetup required={required} />;
  else if (me.isPending) body = <Loading />;
  else if (me.data?.security.passkeys_available !== true) body = <TotpSetup required={required} />;
  else if (method === 'app') body = <TotpSetup required={required} chosen />;
  else if (method === 'passkey') body = <PasskeySetup required={required} />;
  else body = <SetupChoice required={required} />;

  return (
    <div className="narrow">
      <PageHeading title={title}>{title}</PageHeading>
      {body}
    </div>
  );
}

/** Passkey or authenticator app: what each means, in plain words. */
function SetupChoice({ required }: { required: boolean }) {
  const { t } = useTranslation();
  return (
    <>
      {required ? (
        <div className="callout callout--plain">
          <p>{t('security.setup.choice.requiredIntro')}</p>
          <p>{t('security.setup.requiredWhy')}</p>
        </div>
      ) : (
        <p>{t('security.setup.choice.optionalIntro')}</p>
      )}
      <h2>{t('security.setup.choice.title')}</h2>
      <ul className="choice-list">
        <li className="card choice">
          <h3 className="choice__title">{t('security.setup.choice.passkeyTitle')}</h3>
          <p>{t('security.setup.choice.passkeyText')}</p>
          <Link to="?method=passkey" className="button button--primary">
            {t('security.setup.choice.passkeyButton')}
          </Link>
        </li>
        <li className="card choice">
          <h3 className="choice__title">{t('security.setup.choice.appTitle')}</h3>
          <p>{t('security.setup.choice.appText')}</p>
          <Link to="?method=app" className="button button--secondary">
            {t('security.setup.choice.appButton')}
          </Link>
        </li>
      </ul>
    </>
  );
}

/** Set up a passkey: an optional name, the browser's dialog, then (first factor) the recovery codes. */
function PasskeySetup({ required }: { required: boolean }) {
  const { t } = useTranslation();
  const finish = useFinish(required);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  const onCreate = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    setBusy(true);
    try {
      const added = await registerPasskey(name);
      if (added.recovery_codes && added.recovery_codes.length > 0) setCodes(added.recovery_codes);
      // Not the first second factor: no new codes, straight on.
      else await finish();
    } catch (err) {
      setError(registrationErrorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (codes) return <RecoveryCodesStep codes={codes} required={required} done={t('security.setup.passkey.done')} />;

  return (
    <section aria-labelledby="setup-passkey" className="setup-step">
      <h2 id="setup-passkey" ref={heading} tabIndex={-1} className="step-heading">
        {t('security.setup.passkey.title')}
      </h2>
      <p>{t('security.setup.passkey.text')}</p>
      <p>{t('security.setup.passkey.howTo')}</p>
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onCreate(e)} noValidate className="form">
        <TextField
          id="setup-passkey-name"
          label={t('passkey.nameLabel')}
          hint={t('passkey.nameHint')}
          optional
          maxLength={60}
          autoComplete="off"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="button button--primary" aria-disabled={busy}>
          {busy ? t('passkey.adding') : t('security.setup.passkey.create')}
        </button>
      </form>
      <p>
        <Link to="?method=app">{t('security.setup.passkey.useApp')}</Link>
      </p>
    </section>
  );
}

/** Set up an authenticator app (TOTP): the QR code and the key, the first code, then the recovery codes once. */
function TotpSetup({ required, chosen = false }: { required: boolean; chosen?: boolean }) {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const started = useRef(false);
  const firstHeading = useRef<HTMLHeadingElement>(null);

  const start = async () => {
    setPhase({ kind: 'starting' });
    try {
      const enrolment = unwrap(await api.POST('/api/v1/me/mfa/totp'));
      setPhase({ kind: 'enrol', enrolment });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setPhase({ kind: 'alreadyOn' });
      else setPhase({ kind: 'failed', message: errorMessage(err, t) });
    }
  };

  // Each POST starts the enrolment anew (a new secret): once per visit, also under StrictMode.
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void start();
  }, []);

  const uri = phase.kind === 'enrol' ? phase.enrolment.otpauth_uri : null;
  useEffect(() => {
    if (!uri) return;
    let cancelled = false;
    qrDataUrl(uri).then(
      (src) => !cancelled && setQr(src),
      () => !cancelled && setQr(null),
    );
    return () => {
      cancelled = true;
    };
  }, [uri]);

  // Chosen on the page before: focus goes to the first step once it is shown.
  const enrolling = phase.kind === 'enrol';
  useEffect(() => {
    if (chosen && enrolling) firstHeading.current?.focus();
  }, [chosen, enrolling]);

  const onConfirm = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const digits = normaliseTotpCode(code);
    if (!digits) {
      setCodeError(t(code.trim() ? 'login.mfa.codeInvalid' : 'validation.required'));
      return;
    }
    setCodeError(null);
    setBusy(true);
    try {
      const { recovery_codes } = unwrap(await api.POST('/api/v1/me/mfa/totp/confirm', { body: { code: digits } }));
      setPhase({ kind: 'codes', codes: recovery_codes });
    } catch (err) {
      setCode('');
      if (err instanceof ApiError && err.status === 400) setCodeError(t('security.setup.wrongCode'));
      else if (err instanceof ApiError && err.status === 409) setPhase({ kind: 'alreadyOn' });
      else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (phase.kind === 'codes') {
    return <RecoveryCodesStep codes={phase.codes} required={required} done={t('security.setup.done')} />;
  }

  return (
    <>
      <Alert kind="error">{error}</Alert>

      {phase.kind === 'starting' ? <Loading /> : null}

      {phase.kind === 'failed' ? (
        <>
          <Alert kind="error">{phase.message}</Alert>
          <button type="button" className="button button--primary" onClick={() => void start()}>
            {t('security.setup.retry')}
          </button>
        </>
      ) : null}

      {phase.kind === 'alreadyOn' ? (
        <>
          <Alert kind="info">{t('security.setup.alreadyOn')}</Alert>
          <p>
            <Link to="/profile" className="button button--secondary">
              {t('security.setup.toProfile')}
            </Link>
          </p>
        </>
      ) : null}

      {phase.kind === 'enrol' ? (
        <>
          {required ? (
            <div className="callout callout--plain">
              <p>{t('security.setup.requiredIntro')}</p>
              <p>{t('security.setup.requiredWhy')}</p>
            </div>
          ) : (
            <p>{t('security.setup.optionalIntro')}</p>
          )}

          <section aria-labelledby="setup-app" className="setup-step">
            <h2 id="setup-app" ref={firstHeading} tabIndex={-1} className="step-heading">
              {t('security.setup.step1Title')}
            </h2>
            <p>{t('security.setup.step1Text')}</p>
          </section>

          <section aria-labelledby="setup-scan" className="setup-step">
            <h2 id="setup-scan">{t('security.setup.step2Title')}</h2>
            <p>{t('security.setup.step2Text')}</p>
            {qr ? <img className="qr-code" src={qr} alt={t('security.setup.qrAlt')} width={200} height={200} /> : null}
            <p>{t('security.setup.secretLabel')}</p>
            <p className="totp-secret-box">
              <code className="totp-secret">{groupSecret(phase.enrolment.secret)}</code>
            </p>
            <p className="field__hint">{t('security.setup.secretHint')}</p>
          </section>

          <section aria-labelledby="setup-code" className="setup-step">
            <h2 id="setup-code">{t('security.setup.step3Title')}</h2>
            <form onSubmit={(e) => void onConfirm(e)} noValidate className="form">
              <CodeField
                id="setup-code-field"
                label={t('login.mfa.codeLabel')}
                hint={t('security.setup.codeHint')}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                error={codeError}
                required
              />
              <button type="submit" className="button button--primary" disabled={busy} aria-disabled={busy}>
                {t('security.setup.confirm')}
              </button>
            </form>
          </section>
        </>
      ) : null}

      {chosen && phase.kind === 'enrol' ? (
        <p>
          <Link to="?method=passkey">{t('security.setup.usePasskey')}</Link>
        </p>
      ) : null}
    </>
  );
}
