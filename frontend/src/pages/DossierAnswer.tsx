import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { api } from '../api/client';
import { ApiError, unwrap } from '../api/problem';
import { useMe } from '../api/queries';
import type { Agreement, Document, ResponseView } from '../api/types';
import { Alert } from '../components/Alert';
import { TextAreaField } from '../components/Field';
import { isStepUpRequired, StepUpForm } from '../components/StepUp';
import { formatDateTime } from '../lib/dates';
import { errorMessage } from '../lib/errors';
import { characterCount, OWN_VIEW_MAX } from '../lib/text';

/** "Ga je akkoord met dit plan van aanpak?" — worded for the document's category. */
export function answerQuestion(category: Document['category'], t: TFunction): string {
  switch (category) {
    case 'plan_of_action':
      return t('dossier.answer.questionPlan');
    case 'evaluation':
      return t('dossier.answer.questionEvaluation');
    case 'first_year_evaluation':
      return t('dossier.answer.questionFirstYear');
    case 'reintegration_report':
      return t('dossier.answer.questionReport');
    default:
      return t('dossier.answer.questionOther');
  }
}

function formatNumber(n: number, lang: string): string {
  return new Intl.NumberFormat(lang.startsWith('en') ? 'en-GB' : 'nl-NL').format(n);
}

/** How long a pause in typing is before the counter is read out. */
const ANNOUNCE_AFTER_MS = 1000;

export interface DocumentAnswerProps {
  doc: Document;
  /** The server stored the answer (201): put it into the dossier. */
  onAnswered: (response: ResponseView) => void;
  /** The dossier may have changed meanwhile (409, 404): load it again. */
  onStale: () => void;
  /** The document is no longer there for this employee (404). */
  onGone: () => void;
}

type Notice = 'sent' | 'conflict' | null;

/**
 * The employee's answer to a document that asks for one (SPEC §9): agree or not, an optional
 * own view (at most 4,000 characters), sent once after "confirm it is you" when the session's
 * last confirmation is more than five minutes old. An answered document shows the answer,
 * read-only: it cannot be changed; a revised document asks again.
 */
export function DocumentAnswer({ doc, onAnswered, onStale, onGone }: DocumentAnswerProps) {
  const [notice, setNotice] = useState<Notice>(null);
  const given = useRef<HTMLParagraphElement>(null);
  const [focusGiven, setFocusGiven] = useState(false);

  useEffect(() => {
    if (focusGiven && doc.response) {
      given.current?.focus();
      setFocusGiven(false);
    }
  }, [focusGiven, doc.response]);

  if (doc.response) {
    return <GivenAnswer response={doc.response} notice={notice} headingRef={given} />;
  }
  if (!doc.response_requested) return null;
  return (
    <AnswerForm
      doc={doc}
      conflict={notice === 'conflict'}
      onAnswered={(response) => {
        setNotice('sent');
        setFocusGiven(true);
        onAnswered(response);
      }}
      onConflict={() => {
        setNotice('conflict');
        setFocusGiven(true);
        onStale();
      }}
      onGone={onGone}
    />
  );
}

function GivenAnswer({
  response,
  notice,
  headingRef,
}: {
  response: ResponseView;
  notice: Notice;
  headingRef: RefObject<HTMLParagraphElement | null>;
}) {
  const { t, i18n } = useTranslation();
  const when = formatDateTime(response.created_at, i18n.language);
  return (
    <div className="answer answer--given">
      <Alert kind={notice === 'conflict' ? 'info' : 'success'}>
        {notice === 'sent' ? t('dossier.answer.sent') : notice === 'conflict' ? t('dossier.answer.already') : null}
      </Alert>
      <p ref={headingRef} tabIndex={-1} className="answer__given step-heading">
        {response.agreement === 'agree'
          ? t('dossier.answer.givenAgree', { when })
          : t('dossier.answer.givenDisagree', { when })}
      </p>
      {response.own_view ? (
        <>
          <p className="answer__label">{t('dossier.answer.ownViewGiven')}</p>
          <p className="answer__view">{response.own_view}</p>
        </>
      ) : null}
      <p className="small">{t('dossier.answer.final')}</p>
    </div>
  );
}

function AnswerForm({
  doc,
  conflict,
  onAnswered,
  onConflict,
  onGone,
}: {
  doc: Document;
  conflict: boolean;
  onAnswered: (response: ResponseView) => void;
  onConflict: () => void;
  onGone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const me = useMe().data;
  const [agreement, setAgreement] = useState<Agreement | null>(null);
  const [ownView, setOwnView] = useState('');
  const [agreementError, setAgreementError] = useState<string | null>(null);
  const [viewError, setViewError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The answer waits for "confirm it is you".
  const [confirming, setConfirming] = useState(false);
  const [announced, setAnnounced] = useState('');

  const prefix = `answer-${doc.id}`;
  const legendId = `${prefix}-question`;
  const hintId = `${prefix}-hint`;
  const agreementErrorId = `${prefix}-agreement-error`;
  const viewId = `${prefix}-own-view`;
  const counterId = `${prefix}-count`;
  const submitId = `${prefix}-submit`;

  const used = characterCount(ownView);
  const left = OWN_VIEW_MAX - used;
  const counter =
    left >= 0
      ? t('dossier.answer.charsLeft', { count: left, left: formatNumber(left, lang) })
      : t('dossier.answer.charsOver', { count: -left, over: formatNumber(-left, lang) });

  // The counter is read out once typing pauses, not at every key.
  useEffect(() => {
    if (used === 0) {
      setAnnounced('');
      return;
    }
    const timer = setTimeout(() => setAnnounced(counter), ANNOUNCE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [counter, used]);

  const body = () => {
    const trimmed = ownView.trim();
    return { agreement: agreement as Agreement, ...(trimmed ? { own_view: trimmed } : {}) };
  };

  const send = async () => {
    const answered = unwrap(
      await api.POST('/api/v1/me/documents/{id}/response', { params: { path: { id: doc.id } }, body: body() }),
    );
    onAnswered(answered);
  };

  /** A refused answer: said in words, at the field when it is one. */
  const failed = (err: unknown) => {
    if (err instanceof ApiError && err.status === 409) onConflict();
    else if (err instanceof ApiError && err.status === 404) onGone();
    else if (err instanceof ApiError && err.status === 400 && err.fieldErrors().own_view) {
      setViewError(t('dossier.answer.tooLong', { max: formatNumber(OWN_VIEW_MAX, lang) }));
      setTimeout(() => document.getElementById(viewId)?.focus(), 0);
    } else if (err instanceof ApiError && err.status === 400 && err.fieldErrors().agreement) {
      setAgreementError(t('dossier.answer.chooseRequired'));
    } else setError(errorMessage(err, t));
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    const noChoice = agreement === null;
    const tooLong = characterCount(ownView.trim()) > OWN_VIEW_MAX;
    setAgreementError(noChoice ? t('dossier.answer.chooseRequired') : null);
    setViewError(tooLong ? t('dossier.answer.tooLong', { max: formatNumber(OWN_VIEW_MAX, lang) }) : null);
    if (noChoice) {
      document.getElementById(`${prefix}-agree`)?.focus();
      return;
    }
    if (tooLong) {
      document.getElementById(viewId)?.focus();
      return;
    }
    setBusy(true);
    try {
      await send();
      return;
    } catch (err) {
      if (isStepUpRequired(err)) {
        if (me) setConfirming(true);
        else setError(t('common.genericError'));
      } else failed(err);
    } finally {
      setBusy(false);
    }
  };

  /** Confirmed: the answer again (within the five minutes the confirmation holds). */
  const onConfirmed = async () => {
    try {
      await send();
    } catch (err) {
      setConfirming(false);
      failed(err);
      if (!(err instanceof ApiError && (err.status === 409 || err.status === 404))) {
        setTimeout(() => document.getElementById(submitId)?.focus(), 0);
      }
    }
  };

  const onCancel = () => {
    setConfirming(false);
    setTimeout(() => document.getElementById(submitId)?.focus(), 0);
  };

  if (confirming && me) {
    return (
      <div className="answer">
        <StepUpForm
          idPrefix={`${prefix}-step-up`}
          email={me.email}
          security={me.security}
          reason={t('dossier.answer.stepUpReason', { title: doc.title })}
          headingLevel={3}
          onConfirmed={onConfirmed}
          onCancel={onCancel}
        />
      </div>
    );
  }

  return (
    <div className="answer">
      <Alert kind="error">{error ?? (conflict ? t('dossier.answer.conflict') : null)}</Alert>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="form answer__form">
        <fieldset
          className={`fieldset${agreementError ? ' field--error' : ''}`}
          aria-describedby={agreementError ? `${hintId} ${agreementErrorId}` : hintId}
        >
          <legend id={legendId} className="fieldset__legend answer__question">
            {answerQuestion(doc.category, t)}
          </legend>
          <p id={hintId} className="field__hint">
            {t('dossier.answer.intro')}
          </p>
          <p id={agreementErrorId} className="field__error">
            {agreementError}
          </p>
          <div className="radios radios--inline">
            {(['agree', 'disagree'] as const).map((a) => (
              <div className="radio" key={a}>
                <input
                  type="radio"
                  id={`${prefix}-${a}`}
                  name={`${prefix}-agreement`}
                  checked={agreement === a}
                  aria-invalid={agreementError ? true : undefined}
                  onChange={() => {
                    setAgreement(a);
                    setAgreementError(null);
                  }}
                />
                <label htmlFor={`${prefix}-${a}`}>
                  {a === 'agree' ? t('dossier.answer.agree') : t('dossier.answer.disagree')}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
        <TextAreaField
          id={viewId}
          label={t('dossier.answer.ownView')}
          hint={t('dossier.answer.ownViewHint', { max: formatNumber(OWN_VIEW_MAX, lang) })}
          optional
          rows={5}
          value={ownView}
          onChange={(e) => {
            setOwnView(e.target.value);
            if (viewError && characterCount(e.target.value.trim()) <= OWN_VIEW_MAX) setViewError(null);
          }}
          error={viewError}
          extraDescribedBy={counterId}
          after={
            <>
              <p id={counterId} className={`char-count${left < 0 ? ' char-count--over' : ''}`} aria-hidden="true">
                {counter}
              </p>
              <p className="visually-hidden" aria-live="polite">
                {announced}
              </p>
            </>
          }
        />
        <button type="submit" id={submitId} className="button button--primary" aria-disabled={busy}>
          {busy ? t('dossier.answer.sending') : t('dossier.answer.submit')}
        </button>
      </form>
    </div>
  );
}
