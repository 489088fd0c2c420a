import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { findOpenAbsence, queryKeys, useAbsences } from '../api/queries';
import { Alert } from '../components/Alert';
import { TextField } from '../components/Field';
import { PageHeading } from '../components/PageHeading';
import { formatDate, recoveryWindow, toIsoDate, validatePercentage, validateRecoveryDate } from '../lib/dates';
import { errorMessage } from '../lib/errors';

type Kind = 'full' | 'partial';

export function RecoveryPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const absences = useAbsences();
  const open = findOpenAbsence(absences.data?.items);
  const lang = i18n.language;

  const [kind, setKind] = useState<Kind>('full');
  const [date, setDate] = useState(toIsoDate(new Date()));
  const [percentage, setPercentage] = useState('');
  const [errors, setErrors] = useState<{ date?: string; percentage?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (absences.isPending) return <p role="status">{t('app.loading')}</p>;
  if (absences.isError) return <Alert kind="error">{errorMessage(absences.error, t)}</Alert>;
  if (!open) {
    return (
      <>
        <PageHeading title={t('recovery.title')}>{t('recovery.title')}</PageHeading>
        <Alert kind="info">{t('recovery.none')}</Alert>
        <p>
          <Link to="/">{t('common.backHome')}</Link>
        </p>
      </>
    );
  }

  const range = recoveryWindow(open.first_sick_day);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const errs: typeof errors = {};
    const dateProblem = validateRecoveryDate(date, open.first_sick_day);
    if (dateProblem) errs.date = t(`recovery.errors.${dateProblem}`, { date: formatDate(open.first_sick_day, lang) });
    if (kind === 'partial') {
      const p = validatePercentage(percentage);
      if (p === 'required') errs.percentage = t('recovery.errors.percentageRequired');
      else if (p === 'invalid') errs.percentage = t('recovery.errors.percentageInvalid');
      else if (p === 'range') errs.percentage = t('recovery.errors.percentageRange');
    }
    setErrors(errs);
    if (errs.date || errs.percentage) return;
    setBusy(true);
    try {
      if (kind === 'full') {
        unwrap(
          await api.POST('/api/v1/me/absences/{id}/recovery', {
            params: { path: { id: open.id } },
            body: { recovered_on: date },
          }),
        );
      } else {
        unwrap(
          await api.POST('/api/v1/me/absences/{id}/partial-recovery', {
            params: { path: { id: open.id } },
            body: { from: date, percentage: Number(percentage) },
          }),
        );
      }
      await queryClient.invalidateQueries({ queryKey: queryKeys.absences });
      await queryClient.invalidateQueries({ queryKey: queryKeys.timeline });
      navigate(kind === 'full' ? '/?done=recovered' : '/?done=partial');
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const fe = err.fieldErrors();
        setErrors({ date: fe.recovered_on ?? fe.from, percentage: fe.percentage });
      }
      setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading title={t('recovery.title')}>{t('recovery.title')}</PageHeading>
      <p>{t('recovery.intro', { date: formatDate(open.first_sick_day, lang) })}</p>
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
        <fieldset className="fieldset">
          <legend className="fieldset__legend">{t('recovery.kind')}</legend>
          <div className="radios">
            <div className="radio">
              <input
                type="radio"
                id="kind-full"
                name="kind"
                checked={kind === 'full'}
                onChange={() => setKind('full')}
              />
              <label htmlFor="kind-full">{t('recovery.full')}</label>
            </div>
            <div className="radio">
              <input
                type="radio"
                id="kind-partial"
                name="kind"
                checked={kind === 'partial'}
                onChange={() => setKind('partial')}
              />
              <label htmlFor="kind-partial">{t('recovery.partial')}</label>
            </div>
          </div>
        </fieldset>
        <TextField
          label={kind === 'full' ? t('recovery.recoveredOn') : t('recovery.from')}
          hint={t('recovery.recoveredOnHint')}
          type="date"
          min={range.min}
          max={range.max}
          value={date}
          onChange={(e) => setDate(e.target.value)}
          error={errors.date}
          required
        />
        {kind === 'partial' ? (
          <TextField
            label={t('recovery.percentage')}
            hint={t('recovery.percentageHint')}
            type="number"
            inputMode="numeric"
            min={1}
            max={99}
            step={1}
            value={percentage}
            onChange={(e) => setPercentage(e.target.value)}
            error={errors.percentage}
            className="input--short"
            required
          />
        ) : null}
        <button type="submit" className="button button--primary button--large" disabled={busy}>
          {kind === 'full' ? t('recovery.submitFull') : t('recovery.submitPartial')}
        </button>
      </form>
    </>
  );
}
