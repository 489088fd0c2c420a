import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { toString as qrToSvg } from 'qrcode';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import type { TotpEnrolment } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Alert } from '../components/Alert';
import { CodeField } from '../components/Field';
import { Loading } from '../components/Loading';
import { PageHeading } from '../components/PageHeading';
import { RecoveryCodeList } from '../components/RecoveryCodes';
import { errorMessage } from '../lib/errors';
import { groupSecret, normaliseTotpCode } from '../lib/secondFactor';

type Phase =
  | { kind: 'starting' }
  | { kind: 'failed'; message: string }
  | { kind: 'alreadyOn' }
  | { kind: 'enrol'; enrolment: TotpEnrolment }
  | { kind: 'codes'; codes: string[] };

/** The otpauth:// URI as a QR code in a data: URL (an SVG; the CSP allows img-src data:). */
async function qrDataUrl(uri: string): Promise<string> {
  const svg = await qrToSvg(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/**
 * /security/setup — set up an authenticator app (TOTP): the QR code and the key, the first
 * code, then the recovery codes once. Required (the employer's policy) right after the first
 * login, when every other page sends here; otherwise reached from the profile.
 */
export function SecuritySetupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { enrolmentRequired, finishEnrolment } = useAuth();
  // Taken at the start: after the confirmation the flag goes, the wording stays.
  const [required] = useState(enrolmentRequired);
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [savedError, setSavedError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const started = useRef(false);
  const codesHeading = useRef<HTMLHeadingElement>(null);

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

  useEffect(() => {
    if (phase.kind === 'codes') codesHeading.current?.focus();
  }, [phase.kind]);

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

  const onContinue = async () => {
    if (!saved) {
      setSavedError(t('security.codes.confirmRequired'));
      document.getElementById('codes-saved')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The token becomes a full one (mfa_enrolment_required false).
      const ok = await finishEnrolment();
      if (ok) navigate(required ? '/' : '/profile?security=enabled', { replace: true });
    } catch (err) {
      setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  const title = t('security.setup.title');

  return (
    <div className="narrow">
      <PageHeading title={title}>{title}</PageHeading>
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
            <h2 id="setup-app">{t('security.setup.step1Title')}</h2>
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

      {phase.kind === 'codes' ? (
        <section aria-labelledby="codes-title">
          <Alert kind="success">{t('security.setup.done')}</Alert>
          <h2 id="codes-title" ref={codesHeading} tabIndex={-1} className="step-heading">
            {t('security.codes.title')}
          </h2>
          <p>{t('security.codes.intro')}</p>
          <p>
            <strong>{t('security.codes.once')}</strong>
          </p>
          <RecoveryCodeList codes={phase.codes} />
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
      ) : null}
    </div>
  );
}
