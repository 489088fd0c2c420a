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

/** Fewer recovery codes than this: suggest a new set. */
const FEW_CODES = 3;

/**
 * "New recovery codes": asks the password and a current code of the app (or, phone lost, one of
 * the current recovery codes), then shows the new set once.
 */
function NewRecoveryCodes({ email }: { email: string }) {
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
        <PasswordAndSecondFactorForm
          idPrefix="new-codes"
          email={email}
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

/** Profile: "Beveiliging" — two-step login on or off, recovery codes, the authenticator app. */
export function SecuritySection({ security, email, justEnabled }: { security: Security; email: string; justEnabled: boolean }) {
  const { t } = useTranslation();
  const [removed, setRemoved] = useState(false);
  const on = security.totp_enabled;
  const heading = useRef<HTMLHeadingElement>(null);

  // The removal form goes with the app (GET /me says so): focus must not fall back to the page.
  useEffect(() => {
    if (removed && !on) heading.current?.focus();
  }, [removed, on]);

  return (
    <section aria-labelledby="security-title" className="section">
      <h2 id="security-title" ref={heading} tabIndex={-1} className="step-heading">
        {t('security.profile.title')}
      </h2>
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
