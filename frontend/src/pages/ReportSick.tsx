import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { findOpenAbsence, queryKeys, useAbsences } from '../api/queries';
import type { ExpectedDuration, SickReport } from '../api/types';
import { Alert } from '../components/Alert';
import { SelectField, TextAreaField, TextField, YesNoField } from '../components/Field';
import { PageHeading } from '../components/PageHeading';
import { formatDate, parseHours, sickDayWindow, toIsoDate, validateFirstSickDay, validateHoursWorked } from '../lib/dates';
import { errorMessage } from '../lib/errors';

const DURATIONS: readonly ExpectedDuration[] = [
  'up_to_1_week',
  'up_to_2_weeks',
  'up_to_6_weeks',
  'longer_than_6_weeks',
  'unknown',
];

type Errors = Partial<Record<keyof SickReport, string>>;

export function ReportSickPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const absences = useAbsences();
  const open = findOpenAbsence(absences.data?.items);
  const lang = i18n.language;
  const range = sickDayWindow();

  const [firstSickDay, setFirstSickDay] = useState(toIsoDate(new Date()));
  const [hours, setHours] = useState('');
  const [phone, setPhone] = useState('');
  const [careAddress, setCareAddress] = useState('');
  const [duration, setDuration] = useState<ExpectedDuration | ''>('');
  const [safetyNet, setSafetyNet] = useState<boolean | null>(null);
  const [occupational, setOccupational] = useState<boolean | null>(null);
  const [thirdParty, setThirdParty] = useState<boolean | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const errs: Errors = {};
    const dayProblem = validateFirstSickDay(firstSickDay);
    if (dayProblem) errs.first_sick_day = t(`report.errors.${dayProblem}`);
    const hoursProblem = validateHoursWorked(hours);
    if (hoursProblem === 'invalid') errs.hours_worked_first_day = t('report.errors.hoursInvalid');
    else if (hoursProblem === 'range') errs.hours_worked_first_day = t('report.errors.hoursRange');
    else if (hoursProblem === 'step') errs.hours_worked_first_day = t('report.errors.hoursStep');
    setErrors(errs);
    if (Object.keys(errs).length) return;

    const body: SickReport = { first_sick_day: firstSickDay };
    const h = parseHours(hours);
    if (h !== undefined) body.hours_worked_first_day = h;
    if (phone.trim()) body.phone = phone.trim();
    if (careAddress.trim()) body.care_address = careAddress.trim();
    if (duration) body.expected_duration = duration;
    if (safetyNet !== null) body.safety_net = safetyNet;
    if (occupational !== null) body.occupational_accident = occupational;
    if (thirdParty !== null) body.third_party_accident = thirdParty;

    setBusy(true);
    try {
      unwrap(await api.POST('/api/v1/me/absences', { body }));
      await queryClient.invalidateQueries({ queryKey: queryKeys.absences });
      await queryClient.invalidateQueries({ queryKey: queryKeys.timeline });
      navigate('/?done=reported');
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setError(t('report.alreadyOpen'));
      else if (err instanceof ApiError && err.status === 400 && err.problem.errors?.length) {
        setErrors(err.fieldErrors() as Errors);
        setError(errorMessage(err, t));
      } else setError(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (open) {
    return (
      <>
        <PageHeading title={t('report.title')}>{t('report.title')}</PageHeading>
        <Alert kind="info">{t('report.alreadyOpen')}</Alert>
        <p>
          <Link to="/recovery" className="button button--primary">
            {t('home.reportRecovered')}
          </Link>
        </p>
      </>
    );
  }

  return (
    <>
      <PageHeading title={t('report.title')}>{t('report.title')}</PageHeading>
      <p>{t('report.intro')}</p>
      <aside className="callout" aria-labelledby="privacy-title">
        <h2 id="privacy-title" className="callout__title">
          {t('report.privacyTitle')}
        </h2>
        <p>{t('report.privacy')}</p>
      </aside>
      <Alert kind="error">{error}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form">
        <TextField
          label={t('report.firstSickDay')}
          hint={t('report.firstSickDayHint', { min: formatDate(range.min, lang), max: formatDate(range.max, lang) })}
          type="date"
          min={range.min}
          max={range.max}
          value={firstSickDay}
          onChange={(e) => setFirstSickDay(e.target.value)}
          error={errors.first_sick_day}
          required
        />
        <TextField
          label={t('report.hoursWorked')}
          hint={t('report.hoursWorkedHint')}
          optional
          type="number"
          inputMode="decimal"
          min={0}
          max={24}
          step={0.25}
          value={hours}
          onChange={(e) => setHours(e.target.value)}
          error={errors.hours_worked_first_day}
          className="input--short"
        />
        <fieldset className="fieldset fieldset--group">
          <legend className="fieldset__legend fieldset__legend--large">{t('report.extraTitle')}</legend>
          <p className="field__hint">{t('report.extraIntro')}</p>
          <TextField
            label={t('report.phone')}
            optional
            type="tel"
            autoComplete="tel"
            maxLength={40}
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            error={errors.phone}
          />
          <TextAreaField
            label={t('report.careAddress')}
            hint={t('report.careAddressHint')}
            optional
            rows={3}
            maxLength={300}
            value={careAddress}
            onChange={(e) => setCareAddress(e.target.value)}
            error={errors.care_address}
          />
          <SelectField
            label={t('report.expectedDuration')}
            optional
            value={duration}
            onChange={(e) => setDuration(e.target.value as ExpectedDuration | '')}
            error={errors.expected_duration}
          >
            <option value="">{t('report.durations.none')}</option>
            {DURATIONS.map((d) => (
              <option key={d} value={d}>
                {t(`report.durations.${d}`)}
              </option>
            ))}
          </SelectField>
          <YesNoField
            name="safety_net"
            legend={t('report.safetyNet')}
            hint={t('report.safetyNetHint')}
            value={safetyNet}
            onChange={setSafetyNet}
            allowNoAnswer
          />
          <YesNoField
            name="occupational_accident"
            legend={t('report.occupationalAccident')}
            value={occupational}
            onChange={setOccupational}
            allowNoAnswer
          />
          <YesNoField
            name="third_party_accident"
            legend={t('report.thirdPartyAccident')}
            hint={t('report.thirdPartyHint')}
            value={thirdParty}
            onChange={setThirdParty}
            allowNoAnswer
          />
        </fieldset>
        <button type="submit" className="button button--primary button--large" disabled={busy}>
          {t('report.submit')}
        </button>
      </form>
    </>
  );
}
