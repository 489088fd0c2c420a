import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { queryKeys } from '../api/queries';
import type { Security } from '../api/types';
import { Alert } from '../components/Alert';
import { PasswordAndSecondFactorForm } from '../components/PasswordAndSecondFactor';
import { RecoveryCodeList } from '../components/RecoveryCodes';
import { passkeysSupported } from '../lib/passkey';
import { PasskeysSection } from './ProfilePasskeys';

/** Fewer recovery codes than this: suggest a new set. */
const FEW_CODES = 3;

/**
 * "New recovery codes": asks the password and a current code of the app (or, phone lost, one of
 * the current recovery codes), then shows the new set once.
 */
function NewRecoveryCodes({ email, appEnabled }: { email: string; appEnabled: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [codes, setCodes] = useState<string[] | null>(null);
  const codesHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (codes) codesHeading.current?.focus();
  }, [codes]);

  if (codes) {
    return (
      <div className="security-action">
        <h4 ref={codesHeading} tabIndex={-1} className="step-heading">
          {t('security.profile.newCodesTitle')}
        </h4>
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
        <p>{t(appEnabled ? 'security.profile.newCodesText' : 'security.profile.newCodesTextNoApp')}</p>
        <PasswordAndSecondFactorForm
          idPrefix="new-codes"
          email={email}
          appEnabled={appEnabled}
          submitLabel={t('security.profile.newCodesSubmit')}
          submitClassName="button button--secondary"
          send={async (body) => unwrap(await api.POST('/api/v1/me/mfa/recovery-codes', { body })).recovery_codes}
          onSent={async (recoveryCodes) => {
            setCodes(recoveryCodes);
            await queryClient.invalidateQueries({ queryKey: queryKeys.me });
          }}
        />
      </div>
    </details>
  );
}

/**
 * "Remove authenticator app": asks the password and a current code of the app — or, with the
 * phone lost, a recovery code instead (as the login's second step offers).
 */
function RemoveAuthenticator({ email, required, onRemoved }: { email: string; required: boolean; onRemoved: () => void }) {
  // `required`: the employer requires two-step login and the app is the only second factor.
  const { t } = useTranslation();
  const queryClient = useQueryClient();

  return (
    <details className="disclosure">
      <summary className="disclosure__summary">{t('security.profile.remove')}</summary>
      <div className="disclosure__body">
        <p>{t('security.profile.removeText')}</p>
        {required ? <Alert kind="warning">{t('security.profile.removeRequired')}</Alert> : null}
        <PasswordAndSecondFactorForm
          idPrefix="remove-totp"
          email={email}
          submitLabel={t('security.profile.removeSubmit')}
          submitClassName="button button--warning"
          send={async (body) => {
            unwrap(await api.DELETE('/api/v1/me/mfa/totp', { body }));
          }}
          onSent={async () => {
            onRemoved();
            await queryClient.invalidateQueries({ queryKey: queryKeys.me });
          }}
        />
      </div>
    </details>
  );
}

/** What "two-step login" says: off, or on with which factors. */
function twoStepState(security: Security): string {
  const app = security.totp_enabled;
  const passkeys = security.passkeys > 0;
  if (app && passkeys) return 'security.profile.onBoth';
  if (app) return 'security.profile.on';
  if (passkeys) return 'security.profile.onPasskey';
  return 'security.profile.off';
}

/**
 * Profile: "Beveiliging" — two-step login on or off, the authenticator app, passkeys (where the
 * server and the browser offer them) and the recovery codes.
 */
export function SecuritySection({ security, email, justEnabled }: { security: Security; email: string; justEnabled: boolean }) {
  const { t } = useTranslation();
  const [removed, setRemoved] = useState(false);
  const on = security.totp_enabled;
  const anyFactor = on || security.passkeys > 0;
  const heading = useRef<HTMLHeadingElement>(null);
  const [canAddPasskey] = useState(passkeysSupported);
  // Passkeys: where the server offers them; one made elsewhere can be removed in any browser.
  const showPasskeys = security.passkeys_available === true && (canAddPasskey || security.passkeys > 0);

  // The removal form goes with the app (GET /me says so): focus must not fall back to the page.
  useEffect(() => {
    if (removed && !on) heading.current?.focus();
  }, [removed, on]);

  const removedMessage = !removed
    ? null
    : security.passkeys > 0
      ? t('security.profile.removedPasskeysLeft')
      : t(security.mfa_required ? 'security.profile.removedRequired' : 'security.profile.removed');

  return (
    <section aria-labelledby="security-title" className="section">
      <h2 id="security-title" ref={heading} tabIndex={-1} className="step-heading">
        {t('security.profile.title')}
      </h2>
      <Alert kind="success">{removedMessage ?? (justEnabled && anyFactor ? t('security.profile.enabled') : null)}</Alert>
      <dl className="data-list">
        <div>
          <dt>{t('security.profile.twoStep')}</dt>
          <dd>{t(twoStepState(security))}</dd>
        </div>
        {anyFactor ? (
          <div>
            <dt>{t('security.profile.codesLeft')}</dt>
            <dd>{security.recovery_codes_left}</dd>
          </div>
        ) : null}
      </dl>
      {security.mfa_required ? <p className="field__hint">{t('security.profile.requiredByEmployer')}</p> : null}
      {anyFactor && security.recovery_codes_left < FEW_CODES ? (
        <Alert kind="warning">{t('security.profile.fewCodes', { count: security.recovery_codes_left })}</Alert>
      ) : null}

      <div className="security-part">
        <h3>{t('security.profile.appTitle')}</h3>
        {on ? (
          <>
            <p>{t('security.profile.appOn')}</p>
            <RemoveAuthenticator
              email={email}
              required={security.mfa_required && security.passkeys === 0}
              onRemoved={() => setRemoved(true)}
            />
          </>
        ) : (
          <>
            <p>{t(anyFactor ? 'security.profile.appOffText' : 'security.profile.offText')}</p>
            <p>
              <Link to="/security/setup?method=app" className="button button--primary">
                {t('security.profile.setUp')}
              </Link>
            </p>
          </>
        )}
      </div>

      {showPasskeys ? <PasskeysSection security={security} email={email} canAdd={canAddPasskey} /> : null}

      {anyFactor ? (
        <div className="security-part">
          <h3>{t('security.profile.codesTitle')}</h3>
          <NewRecoveryCodes email={email} appEnabled={on} />
        </div>
      ) : null}
    </section>
  );
}
