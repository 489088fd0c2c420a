import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { checkPassword } from '../lib/password';
import { TextField } from './Field';

interface Props {
  password: string;
  confirmation: string;
  onPassword: (v: string) => void;
  onConfirmation: (v: string) => void;
  /** E-mail address of the account, for the "not your e-mail name" rule; unknown → rule left out. */
  email?: string | null;
  /** Set after a submit attempt: shows the field errors. */
  submitted: boolean;
  /** Error from the server for the new password (e.g. a common password). */
  serverError?: string | null;
  label?: string;
}

/** New password typed twice, with live feedback on each rule of the policy. */
export function PasswordFields({
  password,
  confirmation,
  onPassword,
  onConfirmation,
  email,
  submitted,
  serverError,
  label,
}: Props) {
  const { t } = useTranslation();
  const rulesId = `rules${useId()}`;
  const rules = checkPassword(password, confirmation, email);
  const ownRulesOk = rules.filter((r) => r.rule !== 'matches').every((r) => r.ok);
  const matches = rules.find((r) => r.rule === 'matches')?.ok ?? false;

  const passwordError =
    serverError ?? (submitted && !ownRulesOk ? t(password ? 'validation.passwordInvalid' : 'validation.required') : null);
  const confirmError = submitted && ownRulesOk && !matches ? t('validation.passwordMismatch') : null;

  return (
    <>
      <TextField
        label={label ?? t('fields.newPassword')}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => onPassword(e.target.value)}
        error={passwordError}
        hint={t('password.hint')}
        extraDescribedBy={rulesId}
        maxLength={512}
        required
      />
      <div className="password-rules" id={rulesId}>
        <p className="password-rules__title">{t('password.rulesTitle')}</p>
        <ul className="password-rules__list">
          {rules.map((r) => (
            <li key={r.rule} className={r.ok ? 'rule rule--ok' : 'rule rule--todo'}>
              <span className="rule__icon" aria-hidden="true">
                {r.ok ? '✓' : '•'}
              </span>
              <span>
                {t(`password.rules.${r.rule}`)}
                <span className="visually-hidden">: {r.ok ? t('password.ok') : t('password.notOk')}</span>
              </span>
            </li>
          ))}
        </ul>
      </div>
      <TextField
        label={t('fields.confirmPassword')}
        type="password"
        autoComplete="new-password"
        value={confirmation}
        onChange={(e) => onConfirmation(e.target.value)}
        error={confirmError}
        maxLength={512}
        required
      />
    </>
  );
}
