import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Employment } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { errorMessage } from '../lib/errors';

interface Props {
  /** All employments of this person (GET /me), the current one included. */
  employments: readonly Employment[];
  /** GET /me's id: the employment the token names now. */
  currentId: string;
}

/** Profile: every employer of this person, the current one marked, a button for each other one. */
export function EmploymentList({ employments, currentId }: Props) {
  const { t } = useTranslation();
  const { switchEmployment } = useAuth();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const onSwitch = async (employeeId: string) => {
    setBusy(employeeId);
    setError(null);
    try {
      await switchEmployment(employeeId);
    } catch (err) {
      setError(errorMessage(err, t));
      setBusy(null);
    }
  };

  return (
    <>
      <p role="alert" className="field__error">
        {error}
      </p>
      <ul className="employment-list">
        {employments.map((e) => (
          <li key={e.employee_id} className="employment-list__item">
            <span className="employment-list__name">{e.employer_name}</span>
            {e.employee_id === currentId ? (
              <span className="tag tag--open">{t('employments.current')}</span>
            ) : (
              <button
                type="button"
                className="button button--secondary"
                disabled={busy !== null}
                onClick={() => void onSwitch(e.employee_id)}
              >
                {t('employments.switchTo', { name: e.employer_name })}
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Layout: a compact choice of employer under the menu (only when there is more than one). */
export function EmploymentBar({ employments, currentId }: Props) {
  const { t } = useTranslation();
  const { switchEmployment } = useAuth();
  const [selected, setSelected] = useState(currentId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (selected === currentId) return;
    setBusy(true);
    setError(null);
    try {
      await switchEmployment(selected);
    } catch (err) {
      setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="employment-bar">
      <form className="employment-bar__form container" onSubmit={(e) => void onSubmit(e)} aria-label={t('employments.barLabel')}>
        <label htmlFor="employment-select" className="employment-bar__label">
          {t('employments.employer')}
        </label>
        <select
          id="employment-select"
          className="select employment-bar__select"
          value={selected}
          aria-describedby={error ? 'employment-bar-error' : undefined}
          onChange={(e) => setSelected(e.target.value)}
        >
          {employments.map((e) => (
            <option key={e.employee_id} value={e.employee_id}>
              {e.employer_name}
            </option>
          ))}
        </select>
        <button type="submit" className="button button--secondary employment-bar__button" disabled={busy}>
          {t('employments.switch')}
        </button>
        <p id="employment-bar-error" role="alert" className="employment-bar__error">
          {error}
        </p>
      </form>
    </div>
  );
}
